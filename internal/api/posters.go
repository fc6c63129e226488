package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/task"
)

// poster serves a signed poster link (contract §6.3), as video serves a
// video's: GET and HEAD through http.ServeContent, or a GET redirected to
// a presigned URL of object storage. Altered → 403, expired → 410, no
// poster → 404. Videos rendered before posters existed have none.
func (h *Handler) poster(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".jpg")
	q := r.URL.Query()
	if !ok {
		h.plain(w, http.StatusNotFound, "no such poster")
		return
	}
	switch err := h.Links.CheckPoster(id, q.Get("expires"), q.Get("sig"), time.Now()); {
	case errors.Is(err, link.ErrExpired):
		h.plain(w, http.StatusGone, "this link has expired; ask the API for a fresh one (record-info)")
		return
	case err != nil:
		h.plain(w, http.StatusForbidden, "invalid link signature: the link was altered or cut short; get a fresh link from record-info")
		return
	}
	t, err := h.Store.Task(r.Context(), "", id)
	if errors.Is(err, task.ErrNotFound) || (err == nil && t.VideoKey == "") {
		h.plain(w, http.StatusNotFound, "no such poster")
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	key := task.PosterKey(t.VideoKey)
	o, err := h.Blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		h.plain(w, http.StatusNotFound, "this video has no poster (it was made before posters existed, or deleted)")
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	defer o.Close()
	filename := "music_video_" + t.ID + ".jpg"
	if p, ok := h.Blobs.(blob.Presigner); ok && r.Method == http.MethodGet {
		u, err := p.PresignGet(r.Context(), key, presignTTL, filename)
		if err != nil {
			h.error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, u, http.StatusTemporaryRedirect)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Disposition", `inline; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", o.ModTime(), o)
}
