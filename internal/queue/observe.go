package queue

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Observer is told when a worker of this node starts a job, and how long
// the job had waited since it was due (internal/metrics implements it).
type Observer interface {
	JobStarted(kind string, wait time.Duration)
}

// observing is River middleware that tells an Observer about every job a
// worker starts.
type observing struct {
	river.MiddlewareDefaults
	o Observer
}

func (m *observing) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if job.AttemptedAt != nil {
		m.o.JobStarted(job.Kind, job.AttemptedAt.Sub(job.ScheduledAt))
	}
	return doInner(ctx)
}

func middleware(o Observer) []rivertype.Middleware {
	ms := []rivertype.Middleware{&cancelling{}} // cancel.go
	if o != nil {
		ms = append(ms, &observing{o: o})
	}
	return ms
}

// Counts returns how many jobs wait or run, by kind and state ("available",
// "scheduled", "retryable", "running"), over the whole database: every node
// sharing it sees the same numbers.
func (q *Queue[TTx]) Counts(ctx context.Context) (map[string]map[string]int, error) {
	return q.drv.Counts(ctx)
}
