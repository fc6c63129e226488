package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// auth wraps a handler with Bearer authentication (contract §1).
func (h *Handler) auth(next func(http.ResponseWriter, *http.Request, *mvgen.Key)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 9110 §11.1).
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		token = strings.TrimSpace(token)
		if !ok || token == "" {
			h.error(w, r, mvgen.Errorf(mvgen.EUnauthorized, "missing API key: send Authorization: Bearer <key> (create one with `mvgen keys create`)"))
			return
		}
		k, err := h.Store.KeyByTokenHash(r.Context(), mvgen.HashToken(token))
		if errors.Is(err, mvgen.ErrNotFound) && strings.HasPrefix(token, "whsec_") {
			h.error(w, r, mvgen.Errorf(mvgen.EUnauthorized, "unknown API key: whsec_… is a webhook secret, which verifies callbacks; "+
				"send the API key (mvk_…) that `mvgen keys create` printed with it"))
			return
		} else if errors.Is(err, mvgen.ErrNotFound) {
			h.error(w, r, mvgen.Errorf(mvgen.EUnauthorized, "unknown API key"))
			return
		} else if err != nil {
			h.error(w, r, err)
			return
		}
		if k.Revoked() {
			h.error(w, r, mvgen.Errorf(mvgen.EUnauthorized, "API key %s was revoked", k.ID))
			return
		}
		if !h.allowRequest(w, r, k) {
			return
		}
		next(w, r, k)
	})
}
