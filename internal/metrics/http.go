package metrics

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/httpstatus"
)

// Middleware counts and times every request next serves, labelled with the
// ServeMux pattern that matched it (Request.Pattern, set by the mux on the
// request it is given, so next must be or reach a ServeMux without copying
// the request first) and the status code. A request no pattern matched is
// labelled "unmatched".
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := httpstatus.Record(w)
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.httpRequests.WithLabelValues(route, strconv.Itoa(sw.Status)).Inc()
		m.httpDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
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
