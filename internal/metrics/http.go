package metrics

import (
	"net"
	"net/http"
	"net/netip"
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

// LocalOnly serves h to requests from a loopback address that carry no
// proxy header (Forwarded, X-Forwarded-For, X-Real-Ip: a reverse proxy on
// the same machine connects from loopback on behalf of anyone), and answers
// every other request 404 (text/plain), as if there were nothing there.
func LocalOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Local(r) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Local reports whether r came straight from this machine: a loopback
// peer address and no proxy header.
func Local(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
