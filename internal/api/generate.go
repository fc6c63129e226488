package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/render"
	"github.com/mvgen/mvgen/internal/task"
)

// generateRequest is the body of POST /api/v1/mp4/generate (contract §2).
type generateRequest struct {
	TaskID      string `json:"taskId"`
	AudioID     string `json:"audioId"`
	CallBackURL string `json:"callBackUrl"`
	Author      string `json:"author"`
	DomainName  string `json:"domainName"`
	// Aspect is mvgen's extension: "16:9" (default), "1:1" or "9:16".
	Aspect string `json:"aspect"`
}

// Limits of generate's fields.
const (
	maxIDLen        = 128
	maxAuthorRunes  = 50
	maxDomainRunes  = 50
	maxIdemKeyBytes = 255
)

// validate applies every rule of contract §2; the message names the field.
func (req *generateRequest) validate(g *netguard.Guard) error {
	for _, f := range []struct{ name, value string }{{"taskId", req.TaskID}, {"audioId", req.AudioID}} {
		switch {
		case strings.TrimSpace(f.value) == "":
			return task.Errorf(task.EInvalid, "%s is required", f.name)
		case len(f.value) > maxIDLen:
			return task.Errorf(task.EInvalid, "%s must be at most %d bytes", f.name, maxIDLen)
		}
	}
	if req.CallBackURL != "" {
		if err := g.CheckURL(req.CallBackURL); err != nil {
			return task.Errorf(task.EInvalid, "callBackUrl: %s", strings.TrimPrefix(err.Error(), "netguard: "))
		}
	}
	if n := utf8.RuneCountInString(req.Author); n > maxAuthorRunes {
		return task.Errorf(task.EInvalid, "author must be at most %d characters (got %d)", maxAuthorRunes, n)
	}
	if n := utf8.RuneCountInString(req.DomainName); n > maxDomainRunes {
		return task.Errorf(task.EInvalid, "domainName must be at most %d characters (got %d)", maxDomainRunes, n)
	}
	if _, err := render.ParseAspect(req.Aspect); err != nil {
		return task.Errorf(task.EInvalid, "aspect: %v", err)
	}
	return nil
}

func (h *Handler) generate(w http.ResponseWriter, r *http.Request, k *task.Key) {
	if h.draining.Load() {
		h.error(w, r, task.Errorf(task.EUnavailable, "server is restarting for maintenance; retry in a few seconds"))
		return
	}
	var req generateRequest
	if err := h.decode(w, r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if err := req.validate(h.Guard); err != nil {
		h.error(w, r, err)
		return
	}
	idemKey := r.Header.Get("Idempotency-Key")
	if len(idemKey) > maxIdemKeyBytes {
		h.error(w, r, task.Errorf(task.EInvalid, "Idempotency-Key must be at most %d bytes", maxIdemKeyBytes))
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
	t := &task.Task{
		ID: task.NewID(), KeyID: k.ID,
		MusicTaskID: req.TaskID, AudioID: req.AudioID, MusicIndex: tr.MusicIndex,
		CallbackURL: req.CallBackURL, Author: req.Author, DomainName: req.DomainName, Aspect: req.Aspect,
		Status:    task.StatusPending,
		WebhookID: "msg_" + task.NewID(),
		CreatedAt: time.Now().UTC(),
	}
	t.RenderKey = h.renderKey(tr, t)
	if idemKey != "" {
		t.IdempotencyKey, t.RequestHash = idemKey, requestHash(req)
	}
	stored, err := h.Store.CreateTask(r.Context(), t, jobs.RenderArgs{TaskID: t.ID})
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, map[string]string{"taskId": stored.ID})
}

// renderKey identifies what a render depends on, so identical requests
// share one file (contract §2).
func (h *Handler) renderKey(tr *task.Track, t *task.Task) string {
	parts := []string{h.RenderVersion, tr.AudioKey, tr.AudioURL, tr.CoverKey, tr.ImageURL,
		tr.Title, t.Author, t.DomainName, t.Aspect}
	b, _ := json.Marshal(parts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// requestHash identifies a request body for Idempotency-Key checks: the
// parsed fields, so whitespace and key order do not matter.
func requestHash(req generateRequest) string {
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
