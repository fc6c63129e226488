package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// progressWriter stores a render's progress at most once a second and only
// when the percentage changed, off the renderer's goroutine. It only
// writes: a cancel reaches the render through its context (Render.Work).
type progressWriter struct {
	mu      sync.Mutex
	pct     int
	written int
	done    chan struct{}
	stopped chan struct{}
}

// progressStore is where a progressWriter writes.
type progressStore interface {
	SetProgress(ctx context.Context, id string, progress int) error
}

func newProgressWriter(ctx context.Context, s progressStore, taskID string, log *slog.Logger) *progressWriter {
	p := &progressWriter{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-ctx.Done():
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
