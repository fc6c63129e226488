package metrics

import (
	"strconv"
	"time"
)

// RequestServed counts and times one HTTP request answered with status
// code, labelled with route, the ServeMux pattern that matched it
// (Request.Pattern, so the label set is bounded): "" (no pattern matched)
// is labelled "unmatched". elapsed runs from the request's arrival to the
// end of its answer (internal/server's middleware).
func (m *Metrics) RequestServed(route string, code int, elapsed time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(elapsed.Seconds())
}
