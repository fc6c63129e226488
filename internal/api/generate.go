package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/task"
)

func (h *Handler) generate(w http.ResponseWriter, r *http.Request, k *task.Key) {
	if h.draining.Load() {
		h.error(w, r, task.Errorf(task.EUnavailable, "server is restarting for maintenance; retry in a few seconds"))
		return
	}
	var req task.Request
	if err := h.decode(w, r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if err := req.Validate(h.Guard.CheckURL); err != nil {
		h.error(w, r, err)
		return
	}
	idemKey := r.Header.Get("Idempotency-Key")
	if len(idemKey) > task.MaxIdempotencyKeyBytes {
		h.error(w, r, task.Errorf(task.EInvalid, "Idempotency-Key must be at most %d bytes", task.MaxIdempotencyKeyBytes))
		return
	}
	tr, err := h.Store.Track(r.Context(), k.ID, req.TaskID, req.AudioID)
	if errors.Is(err, task.ErrNotFound) {
		h.error(w, r, task.Errorf(task.ENotFound, "no track with audioId %q in taskId %q (register it with POST /api/v1/tracks)", req.AudioID, req.TaskID))
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	if !h.allowTask(w, r, k) {
		return
	}
	t := req.NewTask(k.ID, tr, time.Now())
	if idemKey != "" {
		t.IdempotencyKey, t.RequestHash = idemKey, req.Hash()
	}
	stored, err := h.Store.CreateTask(r.Context(), t)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, map[string]string{"taskId": stored.ID})
}
