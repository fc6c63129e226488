package delivery

import (
	"sync"
	"time"
)

// slotWait is how long an attempt waits for a free slot of its destination
// before it gives its worker back (snoozes): long enough that a receiver
// answering in milliseconds is kept busy, short enough that a slow one holds
// no worker for long.
const slotWait = 50 * time.Millisecond

// limiter caps concurrent attempts per destination.
type limiter struct {
	mu   sync.Mutex
	max  int
	dest map[string]*slots
}

// slots is one destination's semaphore; users counts holders and waiters so
// an idle destination can be forgotten.
type slots struct {
	sem   chan struct{}
	users int
}

// acquire takes a slot for dest, waiting up to slotWait; release gives it
// back. ok is false when no slot came free in time.
func (l *limiter) acquire(dest string) (release func(), ok bool) {
	l.mu.Lock()
	if l.dest == nil {
		l.dest = map[string]*slots{}
	}
	s := l.dest[dest]
	if s == nil {
		s = &slots{sem: make(chan struct{}, l.max)}
		l.dest[dest] = s
	}
	s.users++
	l.mu.Unlock()

	done := func() {
		l.mu.Lock()
		if s.users--; s.users == 0 {
			delete(l.dest, dest)
		}
		l.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
	default:
		t := time.NewTimer(slotWait)
		defer t.Stop()
		select {
		case s.sem <- struct{}{}:
		case <-t.C:
			done()
			return nil, false
		}
	}
	return func() { <-s.sem; done() }, true
}

// inFlight reports how many attempts to dest hold a slot (for tests).
func (l *limiter) inFlight(dest string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.dest[dest]; s != nil {
		return len(s.sem)
	}
	return 0
}
