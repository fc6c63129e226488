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

// video serves a signed link (contract §7): GET and HEAD with ranges through
// http.ServeContent. Altered → 403, expired → 410, deleted → 404.
func (h *Handler) video(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".mp4")
	q := r.URL.Query()
	if !ok {
		h.plain(w, http.StatusNotFound, "no such video")
		return
	}
	switch err := h.Links.Check(id, q.Get("expires"), q.Get("sig"), time.Now()); {
	case errors.Is(err, link.ErrExpired):
		h.plain(w, http.StatusGone, "this link has expired; ask the API for a fresh one (record-info)")
		return
	case err != nil:
		h.plain(w, http.StatusForbidden, "invalid link signature: the link was altered or cut short; get a fresh link from record-info")
		return
	}
	t, err := h.Store.Task(r.Context(), "", id)
	if errors.Is(err, task.ErrNotFound) || (err == nil && t.VideoKey == "") {
		h.plain(w, http.StatusNotFound, "no such video")
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	filename := "music_video_" + t.ID + ".mp4"
	// HEAD is answered here from the object's metadata: a presigned URL is
	// signed for one method, GET.
	if p, ok := h.Blobs.(blob.Presigner); ok && r.Method == http.MethodGet {
		h.redirect(w, r, p, t.VideoKey, filename)
		return
	}
	o, err := h.Blobs.Open(r.Context(), t.VideoKey)
	if errors.Is(err, blob.ErrNotFound) {
		h.plain(w, http.StatusNotFound, "this video has been deleted")
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	defer o.Close()
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Disposition", `inline; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", o.ModTime(), o)
}

// presignTTL is how long a redirect to object storage stays usable; the
// link itself stays valid for its 14 days and presigns anew on every request.
const presignTTL = 15 * time.Minute

// redirect sends a GET to a short-lived presigned URL of the object (HEAD
// is answered by the caller: a presigned URL is signed for one method).
// 307 keeps the method, and clients resend Range headers.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, p blob.Presigner, key, filename string) {
	if o, err := h.Blobs.Open(r.Context(), key); errors.Is(err, blob.ErrNotFound) {
		h.plain(w, http.StatusNotFound, "this video has been deleted")
		return
	} else if err == nil {
		o.Close()
	}
	u, err := p.PresignGet(r.Context(), key, presignTTL, filename)
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusTemporaryRedirect)
}

func (h *Handler) plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}
