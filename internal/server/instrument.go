package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/metrics"
)

// requestIDHeader is the request id's header, read from requests and set
// on answers.
const requestIDHeader = "X-Request-Id"

// maxRequestIDBytes bounds a client's request id; a longer one is replaced.
const maxRequestIDBytes = 128

// quiet are routes probed often whose access lines are logged at debug.
var quiet = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// instrument wraps the node's handler h in its one instrumenting
// middleware (instrumented).
func (s *Server) instrument(h http.Handler) http.Handler {
	return &instrumented{next: h, log: slog.New(logctx.NewHandler(s.cfg.Logger.Handler())), metrics: s.metrics}
}

// instrumented gives every request an id (its X-Request-Id when usable,
// otherwise a new one), sets X-Request-Id on the answer and puts the id in
// the request's context (logctx). When the request is answered, the one
// recorder's status goes to both reports:
//   - one access line to log: method, route pattern, path, status and
//     duration, with request= and task= (when a handler named one with
//     logctx.SetTask); probes (/healthz, /readyz, /metrics) at debug level;
//   - the HTTP metrics, by the ServeMux pattern that served the request
//     (Request.Pattern, set by the mux on the request it is given, so next
//     must be or reach a ServeMux without copying the request first) and
//     status code.
//
// A handler's panic is recovered and answered 500 (serve).
type instrumented struct {
	next    http.Handler
	log     *slog.Logger     // wrapped by logctx.NewHandler
	metrics *metrics.Metrics // nil records nothing
}

func (h *instrumented) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get(requestIDHeader)
	if !usableRequestID(id) {
		id = logctx.NewID()
	}
	w.Header().Set(requestIDHeader, id)
	r = r.WithContext(logctx.WithRequestID(r.Context(), id))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		rec.body = &trackedBody{ReadCloser: r.Body, want: r.ContentLength}
		r.Body = rec.body
	}
	abort := h.serve(rec, r)
	if abort != nil && !rec.wroteHeader {
		rec.status = http.StatusInternalServerError // cut before any answer
	} else if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK) // what net/http would send, through closeUnread
	}
	if rec.body != nil && !rec.body.done() {
		// After answering, net/http closes the request body, which reads
		// what is left of it (up to 256 KiB) with no deadline; the
		// connection is closing anyway, so that read must not wait.
		http.NewResponseController(w).SetReadDeadline(time.Now())
	}
	elapsed := time.Since(start)
	h.metrics.RequestServed(r.Pattern, rec.status, elapsed)
	level := slog.LevelInfo
	if quiet[r.Pattern] {
		level = slog.LevelDebug
	}
	h.log.Log(r.Context(), level, "http request", "method", r.Method, "route", r.Pattern, "path", r.URL.Path,
		"status", rec.status, "elapsed", elapsed.Round(time.Microsecond))
	if abort != nil {
		panic(abort) // net/http cuts the connection, and logs nothing for ErrAbortHandler
	}
}

// serve runs the next handler and recovers its panic, so a bug in one
// request costs that request and not the connection's client a bare EOF:
//   - before anything was written, the client gets the envelope's 500,
//     "internal error (request id …)", the id of the log line that holds the
//     panic's value and stack;
//   - after the answer began, nothing can be said in it any more: the
//     panic is logged and abort is http.ErrAbortHandler, which the caller
//     re-panics so net/http cuts the connection and the client sees a
//     broken answer rather than a short one that passes for whole;
//   - http.ErrAbortHandler itself is a handler's way of asking for that
//     cut: it is passed on as it is, unlogged, as net/http expects.
//
// The node serves on either way (net/http recovers per connection too,
// but answers nothing and logs without the request id).
func (h *instrumented) serve(w *recorder, r *http.Request) (abort any) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			abort = v
			return
		}
		h.log.ErrorContext(r.Context(), "panic serving a request", "method", r.Method, "path", r.URL.Path,
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if w.wroteHeader {
			abort = http.ErrAbortHandler
			return
		}
		header := w.Header()
		for k := range header {
			if k != requestIDHeader {
				delete(header, k)
			}
		}
		header.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		msg, _ := json.Marshal("internal error (request id " + logctx.RequestID(r.Context()) + ")")
		fmt.Fprintf(w, `{"code":500,"msg":%s,"data":null}`+"\n", msg)
	}()
	h.next.ServeHTTP(w, r)
	return nil
}

// usableRequestID reports whether a client's request id may be kept: 1 to
// 128 bytes of letters, digits and "-_.:" (nothing that could forge a log
// field).
func usableRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDBytes {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

// recorder is a ResponseWriter that remembers the status of its answer.
// Unwrap lets http.ResponseController reach the connection (the event
// stream flushes through it).
//
// It also keeps a request body that the handler left unread from holding
// the connection: before answering, net/http reads up to 256 KiB of such a
// body so the connection can serve another request, with no deadline, so a
// client that announces a body and never sends it (GET /healthz with
// Content-Length: 100) was never answered and held its socket for good. An
// answer to a request whose body was not read to its end says
// "Connection: close" instead, which skips that read; the client gets its
// answer and the connection ends.
type recorder struct {
	http.ResponseWriter
	status      int // 200 until WriteHeader says otherwise
	wroteHeader bool
	body        *trackedBody // nil when the request has no body
}

// WriteHeader records the first status and passes it on.
func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
		r.closeUnread()
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write writes the body; the status is then fixed.
func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.wroteHeader = true
		r.closeUnread()
	}
	return r.ResponseWriter.Write(b)
}

// closeUnread asks for the connection to close after this answer when the
// request's body was not read to its end (recorder).
func (r *recorder) closeUnread() {
	if r.body != nil && !r.body.done() {
		r.ResponseWriter.Header().Set("Connection", "close")
	}
}

// trackedBody knows whether its request body was read to the end: all of
// its Content-Length, or io.EOF for a chunked one (want < 0).
type trackedBody struct {
	io.ReadCloser
	want, got int64
	eof       bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.got += int64(n)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *trackedBody) done() bool { return b.eof || (b.want > 0 && b.got >= b.want) }

// Unwrap returns the ResponseWriter underneath.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
