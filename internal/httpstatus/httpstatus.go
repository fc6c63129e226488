// Package httpstatus records the status of an HTTP answer for the
// middlewares that report it (the access log, the metrics).
package httpstatus

import "net/http"

// Recorder is a ResponseWriter that remembers the status of its answer.
// Unwrap lets http.ResponseController reach the connection (the event
// stream flushes through it).
type Recorder struct {
	http.ResponseWriter
	// Status is the answer's status: 200 until WriteHeader says otherwise.
	Status      int
	wroteHeader bool
}

// Record returns w as a *Recorder: w itself when it is one already, so
// that nested middlewares share one, else a new one around w.
func Record(w http.ResponseWriter) *Recorder {
	if rec, ok := w.(*Recorder); ok {
		return rec
	}
	return &Recorder{ResponseWriter: w, Status: http.StatusOK}
}

// WriteHeader records the first status and passes it on.
func (r *Recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.Status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write writes the body; the status is then fixed.
func (r *Recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// Unwrap returns the ResponseWriter underneath.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
