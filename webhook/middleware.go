package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
)

// eventKey is the context key under which Handler stores the *Event.
type eventKey struct{}

// EventFromContext returns the verified callback that [Verifier.Handler] put in
// a request's context.
func EventFromContext(ctx context.Context) (*Event, bool) {
	e, ok := ctx.Value(eventKey{}).(*Event)
	return e, ok && e != nil
}

// NewContext returns a copy of ctx carrying e, as [Verifier.Handler] does; it
// lets tests of a receiver's handler run without signing a request.
func NewContext(ctx context.Context, e *Event) context.Context {
	return context.WithValue(ctx, eventKey{}, e)
}

// Handler returns middleware that admits only verified callbacks to next. It
// reads at most MaxBodyBytes of the body and answers 413 when there is more,
// verifies the signature with [Verifier.Verify] and answers 401 with a short
// plain-text reason when that fails, and answers 400 when a correctly signed
// body is not an [Event]. Otherwise it calls next with r.Body restored (next
// can read the same bytes again) and the parsed *Event in the request context
// (see [EventFromContext]). A misconfigured Verifier (no or undecodable
// secrets) answers 500; call [Verifier.Validate] at startup to catch that
// earlier.
//
// Handler answers 2xx only through next: a receiver should answer quickly and
// do slow work (such as downloading the video) afterwards, and it must expect
// the same webhook-id more than once.
func (v *Verifier) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := v.MaxBodyBytes
		if limit <= 0 {
			limit = DefaultMaxBodyBytes
		}
		if r.ContentLength > limit {
			http.Error(w, "webhook: body too large", http.StatusRequestEntityTooLarge)
			return
		}
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					http.Error(w, "webhook: body too large", http.StatusRequestEntityTooLarge)
					return
				}
				http.Error(w, "webhook: cannot read body", http.StatusBadRequest)
				return
			}
		}

		ev, err := v.verify(r.Header, body)
		if err != nil {
			status, reason := rejection(err)
			http.Error(w, reason, status)
			return
		}
		if ev == nil {
			if ev, err = ParseEvent(body); err != nil {
				http.Error(w, "webhook: body is not a callback event", http.StatusBadRequest)
				return
			}
		}

		r = r.WithContext(NewContext(r.Context(), ev))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// rejection maps a verification error to a status and a short reason that
// reveals nothing beyond which check failed.
func rejection(err error) (int, string) {
	switch {
	case errors.Is(err, ErrInvalidSecret):
		return http.StatusInternalServerError, "webhook: receiver misconfigured"
	case errors.Is(err, ErrMissingHeaders):
		return http.StatusUnauthorized, "webhook: missing signature headers"
	case errors.Is(err, ErrTooOld):
		return http.StatusUnauthorized, "webhook: timestamp too old"
	case errors.Is(err, ErrTooNew):
		return http.StatusUnauthorized, "webhook: timestamp too new"
	case errors.Is(err, ErrTimestamp):
		return http.StatusUnauthorized, "webhook: bad timestamp"
	case errors.Is(err, ErrInvalidEvent):
		return http.StatusUnauthorized, "webhook: no task id to verify"
	default:
		return http.StatusUnauthorized, "webhook: signature mismatch"
	}
}
