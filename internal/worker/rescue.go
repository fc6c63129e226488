package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/store"
)

// HeartbeatInterval is how often a node records that it is alive;
// DeadAfter is how long a silent node's running jobs wait before another
// node takes them over.
const (
	HeartbeatInterval = 5 * time.Second
	DeadAfter         = 30 * time.Second
)

// Rescue is the periodic River worker for jobs.RescueArgs: a render on a
// node that was killed resumes on a live node within about DeadAfter,
// instead of after River's stuck-job rescue (sized for the longest render).
type Rescue struct {
	river.WorkerDefaults[jobs.RescueArgs]

	Store  store.Store
	Logger *slog.Logger
}

// Work implements river.Worker.
func (w *Rescue) Work(ctx context.Context, _ *river.Job[jobs.RescueArgs]) error {
	n, err := w.Store.Queue().RescueOrphans(ctx, time.Now().Add(-DeadAfter))
	if err != nil {
		return err
	}
	if n > 0 {
		w.Logger.Warn("took over work of a node that stopped", "jobs", n)
	}
	return nil
}

// Heartbeat records node as alive every HeartbeatInterval until ctx ends.
func Heartbeat(ctx context.Context, s store.Store, node string, log *slog.Logger) {
	t := time.NewTicker(HeartbeatInterval)
	defer t.Stop()
	for {
		if err := s.Queue().Heartbeat(ctx, node, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("recording heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
