package api

import (
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// signedFile is a kind of file served through signed links: a video
// (contract §7) or its poster (§6.3).
type signedFile struct {
	noun, ext, contentType string
	// check verifies a link's signature for this kind (poster links are
	// signed apart, so a poster link cannot be turned into a video's).
	check func(s *link.Signer, id, expires, sig string, now time.Time) error
	// key is the file's blob key for a task's video key.
	key func(videoKey string) string
	// gone is the 404 message when the file is not stored.
	gone string
}

var (
	videoFile = signedFile{noun: "video", ext: ".mp4", contentType: "video/mp4",
		check: (*link.Signer).Check, key: func(k string) string { return k },
		gone: "this video has been deleted"}
	posterFile = signedFile{noun: "poster", ext: ".jpg", contentType: "image/jpeg",
		check: (*link.Signer).CheckPoster, key: mvgen.PosterKey,
		gone: "this video has no poster (it was made before posters existed, or deleted)"}
)

// captionFiles are the caption files of a video (contract §6.5), by
// extension; their links share one signature, apart from the video's and
// the poster's.
var captionFiles = map[string]signedFile{}

func init() {
	types := map[string]string{"srt": "application/x-subrip; charset=utf-8", "vtt": "text/vtt; charset=utf-8",
		"lrc": "text/plain; charset=utf-8"}
	for _, f := range mvgen.CaptionFormats {
		captionFiles["."+f] = signedFile{noun: "caption file", ext: "." + f, contentType: types[f],
			check: (*link.Signer).CheckCaption, key: func(k string) string { return mvgen.CaptionKey(k, f) },
			gone: "this video has no caption files (its track has no timed lyrics, it was made before caption files existed, or deleted)"}
	}
}

// captions serves a signed caption link (contract §6.5): .srt, .vtt or
// .lrc.
func (h *Handler) captions(w http.ResponseWriter, r *http.Request) {
	f, ok := captionFiles[path.Ext(r.PathValue("file"))]
	if !ok {
		h.plain(w, http.StatusNotFound, "no such caption file")
		return
	}
	h.serveSigned(w, r, f)
}

// video serves a signed video link (contract §7).
func (h *Handler) video(w http.ResponseWriter, r *http.Request) { h.serveSigned(w, r, videoFile) }

// poster serves a signed poster link (contract §6.3).
func (h *Handler) poster(w http.ResponseWriter, r *http.Request) { h.serveSigned(w, r, posterFile) }

// serveSigned serves a signed link to a task's file: GET and HEAD with
// ranges through http.ServeContent, or a GET redirected to a presigned URL
// of object storage. Altered → 403, expired → 410, deleted → 404.
func (h *Handler) serveSigned(w http.ResponseWriter, r *http.Request, f signedFile) {
	id, ok := strings.CutSuffix(r.PathValue("file"), f.ext)
	q := r.URL.Query()
	if !ok {
		h.plain(w, http.StatusNotFound, "no such "+f.noun)
		return
	}
	switch err := f.check(h.Links, id, q.Get("expires"), q.Get("sig"), time.Now()); {
	case errors.Is(err, link.ErrExpired):
		h.plain(w, http.StatusGone, "this link has expired; ask the API for a fresh one (record-info)")
		return
	case err != nil:
		// A task with no video yet has no link at all: a link made up for it
		// (or cut from a pending task's page) is not "altered", it is early.
		if t, err := h.Store.Task(r.Context(), "", taskOf(id)); err == nil && t.Status == mvgen.StatusPending {
			h.plain(w, http.StatusNotFound, "the video is not ready yet: its task is PENDING; record-info gives the link once it is SUCCESS")
			return
		}
		h.plain(w, http.StatusForbidden, "invalid link signature: the link was altered or cut short; get a fresh link from record-info")
		return
	}
	t, err := h.Store.Task(r.Context(), "", taskOf(id))
	if errors.Is(err, mvgen.ErrNotFound) || (err == nil && t.VideoKey == "") {
		h.plain(w, http.StatusNotFound, "no such "+f.noun)
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	videoKey, ok := renditionVideo(t, id)
	if !ok {
		h.plain(w, http.StatusNotFound, "no such "+f.noun)
		return
	}
	key, filename := f.key(videoKey), "music_video_"+id+f.ext
	o, err := h.Blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		h.plain(w, http.StatusNotFound, f.gone)
		return
	} else if err != nil {
		h.error(w, r, err)
		return
	}
	defer o.Close()
	// HEAD is answered here from the object's metadata: a presigned URL is
	// signed for one method, GET. 307 keeps the method, and clients resend
	// Range headers.
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
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Disposition", `inline; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", o.ModTime(), o)
}

// taskOf is the task id of a link's file name: "<task id>" for rendition
// 0, "<task id>-<i>" for rendition i (delivery.RenditionFile). Task ids
// are hex, so the first "-" ends one.
func taskOf(file string) string {
	id, _, _ := strings.Cut(file, "-")
	return id
}

// renditionVideo returns the video key of the rendition of t that a link's
// file names (the signature already vouched for the name).
func renditionVideo(t *mvgen.Task, file string) (string, bool) {
	_, idx, ok := strings.Cut(file, "-")
	if !ok {
		return t.VideoKey, true
	}
	for _, r := range t.Renditions {
		if strconv.Itoa(r.Index) == idx && r.VideoKey != "" {
			return r.VideoKey, true
		}
	}
	return "", false
}

// presignTTL is how long a redirect to object storage stays usable; the
// link itself stays valid for its 14 days and presigns anew on every request.
const presignTTL = 15 * time.Minute

func (h *Handler) plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}
