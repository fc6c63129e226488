package limit

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrStalled is wrapped by the error a [MinRateBody] returns when the
// client sent too little within a window.
var ErrStalled = errors.New("request body stalled")

// StalledError reports a body that delivered fewer than Want bytes within
// Window. It wraps [ErrStalled].
type StalledError struct {
	Got, Want int64
	Window    time.Duration
}

func (e *StalledError) Error() string {
	return fmt.Sprintf("the request body stalled: %d bytes arrived in %v, the minimum is %d", e.Got, e.Window, e.Want)
}

// Unwrap returns [ErrStalled].
func (e *StalledError) Unwrap() error { return ErrStalled }

// MinRateBody returns a body that reads r.Body but fails with a
// *[StalledError] when fewer than minBytesPerSecond×window bytes arrive in a
// window. It works through the connection's read deadline
// ([http.ResponseController.SetReadDeadline]): armed at the first Read,
// moved one window on each time a window's worth of bytes has arrived, and
// cleared at the end of the body, so a client that stops sending is cut off
// within one window however large the body, while a slow but steady one is
// not. A window of 0 or a rate of 0 returns r.Body unchanged.
//
// The connection cannot serve another request after the deadline hit; the
// server closes it once the handler has answered.
func MinRateBody(w http.ResponseWriter, r *http.Request, minBytesPerSecond int64, window time.Duration) io.ReadCloser {
	if window <= 0 || minBytesPerSecond <= 0 || r.Body == nil || r.Body == http.NoBody {
		return r.Body
	}
	return &minRateBody{body: r.Body, rc: http.NewResponseController(w), window: window,
		perWindow: max(1, int64(float64(minBytesPerSecond)*window.Seconds()))}
}

type minRateBody struct {
	body      io.ReadCloser
	rc        *http.ResponseController
	window    time.Duration
	perWindow int64
	got       int64 // bytes in the current window
	armed     bool
	noDL      bool // the connection has no deadlines (ErrNotSupported)
	err       error
}

func (b *minRateBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if !b.armed {
		b.armed = true
		b.extend()
	}
	n, err := b.body.Read(p)
	b.got += int64(n)
	if b.got >= b.perWindow {
		b.got = 0
		b.extend()
	}
	switch {
	case err == io.EOF:
		b.clear()
	case isTimeout(err):
		// The deadline stays passed: the server's discard of the rest of
		// the body then fails at once and it closes the connection.
		err = &StalledError{Got: b.got, Want: b.perWindow, Window: b.window}
		b.err = err
	}
	return n, err
}

func (b *minRateBody) Close() error { return b.body.Close() }

func (b *minRateBody) extend() {
	if !b.noDL {
		if err := b.rc.SetReadDeadline(time.Now().Add(b.window)); errors.Is(err, http.ErrNotSupported) {
			b.noDL = true
		}
	}
}

// clear lifts the deadline, so the server's read of the next request on
// this connection (or its check for a closed client) is not cut short.
func (b *minRateBody) clear() {
	if !b.noDL {
		b.rc.SetReadDeadline(time.Time{})
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return err != nil && errors.As(err, &t) && t.Timeout()
}
