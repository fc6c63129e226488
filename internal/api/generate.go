package api

import (
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/dialect"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
)

func (h *Handler) generate(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	if h.draining.Load() {
		h.error(w, r, mvgen.Errorf(mvgen.EUnavailable, "server is restarting for maintenance; retry in a few seconds"))
		return
	}
	var req mvgen.Request
	if err := h.decode(w, r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if err := req.Validate(h.checkURL(r, h.Guard, "--callback-allow-net")); err != nil {
		h.error(w, r, err)
		return
	}
	h.submit(w, r, k, &req, "")
}

// submit makes the task that the valid request req asks for, whichever
// route it came through (param is the jobs API's create request as sent,
// "" for generate: then its jobs equivalent is kept, for recordInfo), and
// answers its taskId.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request, k *mvgen.Key, req *mvgen.Request, param string) {
	if param == "" {
		param = dialect.JobsParamOf(*req)
	}
	idemKey := r.Header.Get("Idempotency-Key")
	if len(idemKey) > mvgen.MaxIdempotencyKeyBytes {
		h.error(w, r, mvgen.Errorf(mvgen.EInvalid, "Idempotency-Key must be at most %d bytes", mvgen.MaxIdempotencyKeyBytes))
		return
	}
	tr, err := h.sourceTrack(r.Context(), k, req) // explain.go, upstream.go
	if err != nil {
		setRetryAfter(w, err)
		h.error(w, r, err)
		return
	}
	if !h.allowTask(w, r, k, 1+len(req.Renditions)) {
		return
	}
	brand, err := h.brandOf(r, k) // brand.go
	if err != nil {
		h.error(w, r, err)
		return
	}
	t := req.NewTask(k.ID, tr, time.Now())
	t.UseBrand(brand, tr)
	t.RequestID, t.Param = logctx.RequestID(r.Context()), param
	if idemKey != "" {
		t.IdempotencyKey, t.RequestHash = idemKey, req.Hash()
	}
	stored, err := h.Store.CreateTask(r.Context(), t)
	if err != nil {
		h.error(w, r, err)
		return
	}
	logctx.SetTask(r.Context(), stored.ID)
	if stored.ID == t.ID { // not an Idempotency-Key replay
		h.observer().TaskCreated()
	}
	h.ok(w, map[string]string{"taskId": stored.ID})
}
