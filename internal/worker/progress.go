package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// progressWriter stores a render's progress at most once a second and only
// when the percentage changed, off the renderer's goroutine. Each second it
// also reads the task, and calls ended when the task is no longer pending
// (cancelled by its caller: POST /api/v1/mp4/cancel), so the render stops.
type progressWriter struct {
	mu      sync.Mutex
	pct     int
	written int
	done    chan struct{}
	stopped chan struct{}
}

func newProgressWriter(ctx context.Context, s Store, taskID string, log *slog.Logger, ended func()) *progressWriter {
	p := &progressWriter{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
			p.mu.Lock()
			pct, changed := p.pct, p.pct != p.written
			p.written = pct
			p.mu.Unlock()
			if changed {
				if err := s.SetProgress(ctx, taskID, pct); err != nil && ctx.Err() == nil {
					log.Warn("storing render progress", "task", taskID, "err", err)
				}
			}
			if t, err := s.Task(ctx, "", taskID); err == nil && t.Done() {
				log.Info("the task ended while rendering (cancelled); stopping the render", "task", taskID)
				ended()
				return
			}
		}
	}()
	return p
}

// set records a fraction in 0..1; 100 is left for the finished task.
func (p *progressWriter) set(fraction float64) {
	pct := min(99, max(0, int(fraction*100)))
	p.mu.Lock()
	p.pct = pct
	p.mu.Unlock()
}

func (p *progressWriter) close() {
	close(p.done)
	<-p.stopped
}
