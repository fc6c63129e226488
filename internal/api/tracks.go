package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

const (
	maxTitleRunes = 200
	maxTagsRunes  = 500
	// maxUploadParts bounds the parts of a multipart upload, unknown ones
	// included: the five fields fit three times over. Without it a body
	// under the size cap could carry about 230,000 parts.
	maxUploadParts = 16
)

// trackRequest is the JSON form of POST /api/v1/tracks.
type trackRequest struct {
	AudioURL string `json:"audioUrl"`
	ImageURL string `json:"imageUrl"`
	Title    string `json:"title"`
	Tags     string `json:"tags"`
	// Lyrics is LRC text (contract §6.2; lyrics.go).
	Lyrics string `json:"lyrics"`
}

// createTrack is POST /api/v1/tracks (contract §9): multipart upload or JSON
// URLs. Each call creates a music task holding one track.
func (h *Handler) createTrack(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	tr := &mvgen.Track{KeyID: k.ID, MusicTaskID: mvgen.NewID(), ID: mvgen.NewID(), CreatedAt: time.Now().UTC()}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mediaType == "multipart/form-data" {
		err = h.readUpload(w, r, tr)
	} else {
		err = h.readTrackJSON(w, r, tr)
	}
	if err == nil {
		err = validateTrackText(tr)
	}
	if err == nil {
		err = h.Store.CreateTrack(r.Context(), tr)
	}
	if err != nil {
		h.deleteSources(r, tr)
		h.error(w, r, err)
		return
	}
	h.ok(w, map[string]any{"taskId": tr.MusicTaskID, "audioId": tr.ID, "musicIndex": tr.MusicIndex})
}

func (h *Handler) readTrackJSON(w http.ResponseWriter, r *http.Request, tr *mvgen.Track) error {
	var req trackRequest
	if err := h.decode(w, r, &req); err != nil {
		return withUploadHint(err)
	}
	if req.AudioURL == "" {
		return mvgen.Errorf(mvgen.EInvalid, "audioUrl is required (or upload the file as multipart/form-data field \"audio\")")
	}
	for _, f := range []struct{ name, value string }{{"audioUrl", req.AudioURL}, {"imageUrl", req.ImageURL}} {
		if f.value == "" {
			continue
		}
		if err := h.checkURL(r, h.SourceGuard, "--source-allow-net")(f.value); err != nil {
			return mvgen.Errorf(mvgen.EInvalid, "%s: %v", f.name, err)
		}
	}
	tr.AudioURL, tr.ImageURL, tr.Title, tr.Tags = req.AudioURL, req.ImageURL, req.Title, req.Tags
	return setLyrics(tr, req.Lyrics)
}

// withUploadHint adds to an error reading a non-multipart body of POST
// /api/v1/tracks what a caller sending a file (curl --data-binary @song.mp3,
// a raw body, JSON with the audio inside) most likely meant: a multipart
// upload. Without it, such a body answered only "request body is over the
// 64 KiB limit".
func withUploadHint(err error) error {
	var e *mvgen.Error
	if !errors.As(err, &e) || (e.Code != mvgen.ETooLarge && e.Code != mvgen.EBadRequest) {
		return err
	}
	return mvgen.Errorf(e.Code, "%s; to upload a file send multipart/form-data with the file as field \"audio\" "+
		"(curl -F audio=@FILE), or JSON with audioUrl to register a track by URL", e.Msg)
}

// readUpload streams the multipart parts straight to the blob store, each
// under its own cap, without buffering files in memory. Each field may come
// once and the parts are at most maxUploadParts: every audio part costs a
// write to storage and an ffprobe run, so a repeat is refused before it is
// read (422) rather than letting the last one win.
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request, tr *mvgen.Track) error {
	r.Body = http.MaxBytesReader(w, r.Body, h.maxUpload()+DefaultMaxCoverBytes+lyrics.MaxBytes+h.maxBody())
	mr, err := r.MultipartReader()
	if err != nil {
		return mvgen.Errorf(mvgen.EBadRequest, "reading multipart body: %v", err)
	}
	seen := make(map[string]bool, len(uploadParts))
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return uploadError("multipart body", err)
		}
		name := part.FormName()
		switch {
		case n > maxUploadParts:
			part.Close()
			return mvgen.Errorf(mvgen.EInvalid, "more than %d multipart parts; send each of %s at most once",
				maxUploadParts, strings.Join(uploadParts, ", "))
		case seen[name]:
			part.Close()
			return mvgen.Errorf(mvgen.EInvalid, "%s: sent twice; send one %s part", name, name)
		case slices.Contains(uploadParts, name):
			seen[name] = true
		}
		err = h.readPart(r, part, tr)
		part.Close()
		if err != nil {
			return err
		}
	}
	if tr.AudioKey == "" {
		return mvgen.Errorf(mvgen.EInvalid, "audio is required: send the file as multipart field \"audio\"")
	}
	return nil
}

func (h *Handler) readPart(r *http.Request, part *multipart.Part, tr *mvgen.Track) error {
	switch name := part.FormName(); name {
	case "audio", "cover":
		key, limit := "sources/"+tr.ID+"/audio", h.maxUpload()
		if name == "cover" {
			key, limit = "sources/"+tr.ID+"/cover", DefaultMaxCoverBytes
		}
		src := &clientReader{r: part}
		var body io.Reader = src
		sp, err := h.newSpool(src)
		if err != nil {
			return err
		}
		if sp != nil {
			body = io.TeeReader(src, sp)
			defer sp.close()
		}
		n, err := h.Blobs.Put(r.Context(), key, body, limit)
		switch {
		case errors.Is(err, blob.ErrTooLarge):
			return mvgen.Errorf(mvgen.ETooLarge, "%s is over the %s limit", name, sizeText(limit))
		case err != nil && src.err != nil:
			return uploadError(name, src.err) // the client's side
		case err != nil:
			// The storage's side: a 500 whose detail (paths, S3 answers)
			// goes to the log with the request id, not to the caller.
			return fmt.Errorf("storing the uploaded %s as %s: %w", name, key, err)
		}
		// Recorded before the checks below, so a refused upload is deleted.
		if name == "audio" {
			tr.AudioKey = key
		} else {
			tr.CoverKey = key
		}
		if n == 0 {
			return mvgen.Errorf(mvgen.EInvalid, "%s is empty", name)
		}
		if sp != nil && name == "audio" {
			return sp.check(r.Context(), h.Sources)
		} else if sp != nil {
			return sp.checkCover(h.Sources)
		}
	case "lyrics":
		return readLyricsPart(part, tr) // lyrics.go
	case "title", "tags":
		b, err := io.ReadAll(io.LimitReader(part, 4<<10))
		if err != nil {
			return uploadError(name, err)
		}
		if name == "title" {
			tr.Title = string(b)
		} else {
			tr.Tags = string(b)
		}
	default:
		if want, ok := didYouMean(name, uploadParts, uploadAliases); ok {
			return unknownField(name, want)
		}
	}
	return nil
}

// uploadParts are the multipart fields POST /api/v1/tracks reads; other
// parts are ignored unless they are a near miss of one of these.
var uploadParts = []string{"audio", "cover", "title", "tags", "lyrics"}

// uploadAliases are synonyms a client may guess for the multipart fields.
var uploadAliases = map[string]string{
	"image": "cover", "img": "cover", "picture": "cover", "artwork": "cover", "art": "cover", "coverimage": "cover",
	"file": "audio", "song": "audio", "track": "audio", "music": "audio", "audiofile": "audio",
	"name": "title", "tag": "tags", "style": "tags",
	"lyric": "lyrics", "lrc": "lyrics", "lyricsfile": "lyrics",
}

// fieldAliases implements aliaser: a JSON registration naming the cover or
// the audio the way the multipart form does.
func (trackRequest) fieldAliases() map[string]string {
	return map[string]string{
		"image": "imageUrl", "cover": "imageUrl", "coverurl": "imageUrl", "artwork": "imageUrl",
		"audio": "audioUrl", "url": "audioUrl", "song": "audioUrl", "songurl": "audioUrl",
		"lyric": "lyrics", "lrc": "lyrics",
	}
}

func uploadError(what string, err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return mvgen.Errorf(mvgen.ETooLarge, "upload is over the %s limit", sizeText(tooBig.Limit))
	}
	return bodyError(what, err)
}

// clientReader remembers the error reading the request gave, so that a
// failed Put can be told apart: the client's fault (400, 408, 413) or the
// storage's (500).
type clientReader struct {
	r   io.Reader
	err error
}

func (c *clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func validateTrackText(tr *mvgen.Track) error {
	if !utf8.ValidString(tr.Title) || utf8.RuneCountInString(tr.Title) > maxTitleRunes {
		return mvgen.Errorf(mvgen.EInvalid, "title must be valid UTF-8 of at most %d characters", maxTitleRunes)
	}
	if !utf8.ValidString(tr.Tags) || utf8.RuneCountInString(tr.Tags) > maxTagsRunes {
		return mvgen.Errorf(mvgen.EInvalid, "tags must be valid UTF-8 of at most %d characters", maxTagsRunes)
	}
	return nil
}

// deleteSources removes files of a track that was not stored.
func (h *Handler) deleteSources(r *http.Request, tr *mvgen.Track) {
	for _, key := range []string{tr.AudioKey, tr.CoverKey} {
		if key != "" {
			if err := h.Blobs.Delete(r.Context(), key); err != nil {
				h.Logger.Warn("deleting an unused upload", "key", key, "err", err)
			}
		}
	}
}

// listTracks is GET /api/v1/tracks?taskId=: one music task's tracks;
// without taskId, every track of the key (catalogue.go).
func (h *Handler) listTracks(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	id := r.URL.Query().Get("taskId")
	if id == "" {
		h.listAllTracks(w, r, k)
		return
	}
	tracks, err := h.Store.Tracks(r.Context(), k.ID, id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if len(tracks) == 0 {
		h.error(w, r, mvgen.Errorf(mvgen.ENotFound, "no music task %q", id))
		return
	}
	list := make([]map[string]any, 0, len(tracks))
	for _, t := range tracks {
		list = append(list, h.trackItem(t))
	}
	h.ok(w, map[string]any{"taskId": id, "tracks": list})
}
