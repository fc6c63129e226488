package api

import (
	"net/http"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// readyz is GET /readyz (contract §10): 503 "draining" once a shutdown
// began, otherwise what Ready answers (503 naming each failing check);
// "ready" without a Ready.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	switch {
	case h.draining.Load():
		h.healthz(w, r) // "draining" (503)
	case h.Ready == nil:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ready\n"))
	default:
		h.Ready.ServeHTTP(w, r)
	}
}

// metrics is GET /metrics (contract §10) on the API's listener: the
// envelope's 404 saying where metrics are. They have a listener of their
// own (internal/server), never this one, which a reverse proxy forwards.
func (h *Handler) metrics(w http.ResponseWriter, r *http.Request) {
	h.error(w, r, mvgen.Errorf(mvgen.ENotFound, "no route %s %s: metrics are served on --metrics-addr", r.Method, r.URL.Path))
}
