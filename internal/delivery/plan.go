package delivery

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// plan is what to do next in a delivery.
type plan struct {
	delivered bool          // a 2xx arrived
	over      bool          // no more attempts: delivered, 410, or schedule spent
	reason    string        // why it is over without success
	wait      time.Duration // until the next attempt is due
}

func (p plan) waitOrOver() time.Duration {
	if p.over {
		return -1
	}
	return p.wait
}

// plan reads a delivery's attempts (oldest first) and decides.
func (w *Worker) plan(t *mvgen.Task, delivery int, attempts []*mvgen.Attempt, now time.Time) plan {
	n := len(attempts)
	if n == 0 {
		return plan{}
	}
	for _, a := range attempts {
		if a.OK() {
			return plan{delivered: true, over: true}
		}
	}
	last := attempts[n-1]
	schedule := w.schedule()
	switch {
	case last.StatusCode == http.StatusGone:
		return plan{over: true, reason: "receiver answered 410 Gone"}
	case n > len(schedule):
		return plan{over: true, reason: "no attempts left in the schedule"}
	}
	due := last.At.Add(delay(schedule[n-1], last.RetryAfter, t.ID+"/"+strconv.Itoa(delivery), n))
	return plan{wait: max(0, due.Sub(now))}
}

// delay is the wait before retry n (1-based: the wait after attempt n)
// whose scheduled delay is scheduled: jittered ±20% deterministically by
// seed and n, then lengthened to a receiver's Retry-After, at most to twice
// the scheduled delay.
func delay(scheduled, retryAfter time.Duration, seed string, n int) time.Duration {
	d := time.Duration(float64(scheduled) * (0.8 + 0.4*float64(jitterMillis(seed, n, 1000))/1000))
	if retryAfter > d {
		d = min(retryAfter, 2*scheduled)
	}
	return d
}

func (w *Worker) schedule() []time.Duration {
	if len(w.Schedule) > 0 {
		return w.Schedule
	}
	return DefaultSchedule
}
