package delivery

import "sync"

// limiter caps concurrent attempts per destination.
type limiter struct {
	mu   sync.Mutex
	max  int
	busy map[string]int
}

// acquire takes a slot for dest if one is free; release gives it back.
func (l *limiter) acquire(dest string) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[dest] >= l.max {
		return nil, false
	}
	l.busy[dest]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.busy[dest]--; l.busy[dest] == 0 {
			delete(l.busy, dest)
		}
	}, true
}
