package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// Canceller ends a PENDING task on its caller's behalf, delivers its
// callback and stops its running fetch or render (internal/delivery).
type Canceller interface {
	Cancel(ctx context.Context, t *mvgen.Task, r store.Result) error
}

// CancelMessage is the errorMessage (and callback msg) of a task its caller
// cancelled; the code is webhook.CodeBadSource (docs/DECISIONS.md).
const CancelMessage = "Task cancelled by the caller"

// trackItem is one track as GET /api/v1/tracks lists it. It reads the
// track's stored lyrics flags, never its lyrics, which lists leave out.
func (h *Handler) trackItem(t *mvgen.Track) map[string]any {
	return map[string]any{
		"audioId": t.ID, "musicIndex": t.MusicIndex, "title": t.Title, "tags": t.Tags,
		"audioUrl": nilIfEmpty(t.AudioURL), "imageUrl": nilIfEmpty(t.ImageURL),
		"uploaded": t.AudioKey != "", "hasCover": t.CoverKey != "" || t.ImageURL != "",
		"upstream": t.Upstream, "createTime": h.timeValue(t.CreatedAt),
		"hasLyrics": t.HasLyrics(), "syncedLyrics": t.SyncedLyrics, // stored flags: lists carry no lyrics
	}
}

// listAllTracks is GET /api/v1/tracks without taskId (mvgen extension): the
// key's tracks newest first, a page at a time, each with its music task's
// taskId; data.nextCursor fetches the next page and is null on the last.
func (h *Handler) listAllTracks(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	q, err := parseTrackQuery(r.URL.Query())
	if err != nil {
		h.error(w, r, err)
		return
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	list, err := h.Store.ListTracks(r.Context(), k.ID, q)
	if err != nil {
		h.error(w, r, err)
		return
	}
	list, next := page(list, limit, func(t *mvgen.Track) string { return encodeTrackCursor(store.TrackPosition(t)) })
	items := make([]map[string]any, 0, len(list))
	for _, t := range list {
		item := h.trackItem(t)
		item["taskId"] = t.MusicTaskID
		items = append(items, item)
	}
	h.ok(w, map[string]any{"tracks": items, "nextCursor": next})
}

func parseTrackQuery(v url.Values) (store.TrackQuery, error) {
	var q store.TrackQuery
	var err error
	q.Limit, q.After, err = parsePage(v, decodeTrackCursor)
	return q, err
}

// trackCursor is the JSON inside a track list's opaque cursor.
type trackCursor struct {
	At    int64  `json:"t"`
	Music string `json:"m"`
	Audio string `json:"a"`
}

func encodeTrackCursor(c *store.TrackCursor) string {
	b, _ := json.Marshal(trackCursor{At: c.CreatedAt.UnixMilli(), Music: c.MusicTaskID, Audio: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeTrackCursor(s string) (*store.TrackCursor, error) {
	bad := mvgen.Errorf(mvgen.EInvalid, "cursor is not a nextCursor this API returned (got %q)", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c trackCursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Music == "" || c.Audio == "" ||
		len(c.Music) > mvgen.MaxIDBytes || len(c.Audio) > mvgen.MaxIDBytes {
		return nil, bad
	}
	return &store.TrackCursor{CreatedAt: time.UnixMilli(c.At).UTC(), MusicTaskID: c.Music, ID: c.Audio}, nil
}

// deleteTrack is DELETE /api/v1/tracks/{audioId}?taskId= (mvgen
// extension): removes the track from the key's catalogue and deletes its
// uploaded files. A track a PENDING video task needs is refused with 409.
func (h *Handler) deleteTrack(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	audioID, musicID := r.PathValue("audioId"), r.URL.Query().Get("taskId")
	if musicID == "" {
		h.error(w, r, mvgen.Errorf(mvgen.EInvalid, "taskId query parameter is required: the music task (track upload) the audioId belongs to"))
		return
	}
	tr, err := h.Store.DeleteTrack(r.Context(), k.ID, musicID, audioID)
	var inUse *store.TrackInUseError
	switch {
	case errors.As(err, &inUse):
		h.error(w, r, mvgen.Errorf(mvgen.EConflict, "track %s of music task %s is needed by pending video task %s: "+
			"cancel it (POST /api/v1/mp4/cancel) or wait until it ends", audioID, musicID, inUse.TaskID))
		return
	case errors.Is(err, mvgen.ErrNotFound):
		h.error(w, r, mvgen.Errorf(mvgen.ENotFound, "no track with taskId %q and audioId %q for this API key", musicID, audioID))
		return
	case err != nil:
		h.error(w, r, err)
		return
	}
	// The row is gone, so no new task can use the files: delete them. A
	// failure leaves an orphan file, logged with its key for the operator.
	ctx := context.WithoutCancel(r.Context())
	for _, key := range []string{tr.AudioKey, tr.CoverKey} {
		if key == "" {
			continue
		}
		if err := h.Blobs.Delete(ctx, key); err != nil {
			h.Logger.ErrorContext(ctx, "deleting a removed track's file", "key", key, "err", err)
		}
	}
	h.ok(w, map[string]any{"taskId": tr.MusicTaskID, "audioId": tr.ID})
}

// cancel is POST /api/v1/mp4/cancel {"taskId"} (mvgen extension): a
// PENDING video task ends as GENERATE_MP4_FAILED with code 400 and
// CancelMessage, through Canceller, so its callback reports it and a render
// or fetch in progress is stopped. A task that has already ended is 409.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	t, ok := h.bodyTask(w, r, k)
	if !ok {
		return
	}
	ended := func(t *mvgen.Task) error {
		return mvgen.Errorf(mvgen.EConflict, "task %s has already ended (%s); only a PENDING task can be cancelled", t.ID, t.Status)
	}
	if t.Done() {
		h.error(w, r, ended(t))
		return
	}
	ctx := context.WithoutCancel(r.Context()) // the task ends even if the caller goes away
	if err := h.Canceller.Cancel(ctx, t, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: webhook.CodeBadSource,
		ErrorMessage: CancelMessage, CompletedAt: time.Now().UTC()}); err != nil {
		h.error(w, r, err)
		return
	}
	// Cancel does nothing to a task that ended meanwhile (its render
	// finished first): read what it became.
	t, err := h.Store.Task(ctx, k.ID, t.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if t.ErrorMessage != CancelMessage {
		h.error(w, r, ended(t))
		return
	}
	l := &store.ListedTask{Task: t}
	if tr, err := h.Store.Track(ctx, k.ID, t.MusicTaskID, t.AudioID); err == nil {
		l.Title = tr.Title
	}
	h.ok(w, h.summary(l, time.Now()))
}
