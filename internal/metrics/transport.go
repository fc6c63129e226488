package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/netguard"
)

// Callbacks wraps the callback client's transport (nil means
// http.DefaultTransport) so that every attempt is counted by outcome in
// mvgen_callback_attempts_total.
func (m *Metrics) Callbacks(base http.RoundTripper) http.RoundTripper {
	if m == nil {
		return base
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := orDefault(base).RoundTrip(req)
		outcome := failure(req, err)
		if err == nil {
			outcome = statusClass(resp.StatusCode)
		}
		m.callbackAttempts.WithLabelValues(outcome).Inc()
		return resp, err
	})
}

// Fetch wraps the source-download client's transport (nil means
// http.DefaultTransport): the bytes of every answer's body read count in
// mvgen_source_fetch_bytes_total, and every request that fails or is
// answered with a non-2xx status in mvgen_source_fetch_failures_total.
func (m *Metrics) Fetch(base http.RoundTripper) http.RoundTripper {
	if m == nil {
		return base
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := orDefault(base).RoundTrip(req)
		if err != nil {
			m.fetchFailures.WithLabelValues(failure(req, err)).Inc()
			return nil, err
		}
		if c := statusClass(resp.StatusCode); c != Outcome2xx {
			m.fetchFailures.WithLabelValues(c).Inc()
		}
		resp.Body = &countingBody{ReadCloser: resp.Body, add: m.fetchBytes.Add}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func orDefault(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

// failure names why req got no answer. A client's Timeout sets the
// request context's deadline and also cancels the request when it passes
// (the transport may then say only "request canceled"), so a failure at or
// after the deadline is a timeout.
func failure(req *http.Request, err error) string {
	var ne net.Error
	deadline, hasDeadline := req.Context().Deadline()
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return OutcomeRefused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout(),
		hasDeadline && !time.Now().Before(deadline):
		return OutcomeTimeout
	}
	return OutcomeError
}

// statusClass is "2xx" … "5xx".
func statusClass(code int) string {
	switch {
	case code >= 500:
		return Outcome5xx
	case code >= 400:
		return Outcome4xx
	case code >= 300:
		return Outcome3xx
	}
	return Outcome2xx
}

// countingBody adds the bytes read from a body to a counter.
type countingBody struct {
	io.ReadCloser
	add func(float64)
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if n > 0 {
		c.add(float64(n))
	}
	return n, err
}
