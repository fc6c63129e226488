package api

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"

	"github.com/mvgen/mvgen/internal/task"
)

// HashToken is how API keys are stored: SHA-256 of the token. Tokens carry
// 192 random bits, so a fast hash is enough; the token never touches disk.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// auth wraps a handler with Bearer authentication (contract §1).
func (h *Handler) auth(next func(http.ResponseWriter, *http.Request, *task.Key)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 9110 §11.1).
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		token = strings.TrimSpace(token)
		if !ok || token == "" {
			h.error(w, r, task.Errorf(task.EUnauthorized, "missing API key: send Authorization: Bearer <key> (create one with `mvgen keys create`)"))
			return
		}
		k, err := h.Store.KeyByTokenHash(r.Context(), HashToken(token))
		if errors.Is(err, task.ErrNotFound) {
			h.error(w, r, task.Errorf(task.EUnauthorized, "unknown API key"))
			return
		} else if err != nil {
			h.error(w, r, err)
			return
		}
		if k.Revoked() {
			h.error(w, r, task.Errorf(task.EUnauthorized, "API key %s was revoked", k.ID))
			return
		}
		next(w, r, k)
	})
}
