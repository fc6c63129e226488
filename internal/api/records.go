package api

import (
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/webhook"
)

// recordInfo is GET /api/v1/mp4/record-info (contract §3).
func (h *Handler) recordInfo(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	if t, attempts, ok := h.taskWithAttempts(w, r, k); ok {
		h.ok(w, h.record(t, attempts, time.Now()))
	}
}

// taskWithAttempts loads the ?taskId= task of key k and its callback
// attempts, answering the error itself when it cannot.
func (h *Handler) taskWithAttempts(w http.ResponseWriter, r *http.Request, k *mvgen.Key) (*mvgen.Task, []*mvgen.Attempt, bool) {
	id := r.URL.Query().Get("taskId")
	logctx.SetTask(r.Context(), id)
	if id == "" {
		h.error(w, r, mvgen.Errorf(mvgen.EInvalid, "taskId query parameter is required"))
		return nil, nil, false
	}
	t, err := h.videoTask(r.Context(), k, id)
	if err != nil {
		h.error(w, r, err)
		return nil, nil, false
	}
	attempts, err := h.Store.Attempts(r.Context(), t.ID)
	if err != nil {
		h.error(w, r, err)
		return nil, nil, false
	}
	return t, attempts, true
}

// record is record-info's data (contract §3): the contract's fields in its
// order, then mvgen's additions.
type record struct {
	TaskID       string         `json:"taskId"`
	MusicID      string         `json:"musicId"`
	AudioID      string         `json:"audioId"`
	MusicIndex   int            `json:"musicIndex"`
	CallbackURL  *string        `json:"callbackUrl"`
	SuccessFlag  mvgen.Status   `json:"successFlag"`
	Response     recordResponse `json:"response"`
	CreateTime   any            `json:"createTime"`
	CompleteTime any            `json:"completeTime"`
	ErrorCode    *int           `json:"errorCode"`
	ErrorMessage *string        `json:"errorMessage"`

	Progress   int             `json:"progress"`
	Author     string          `json:"author"`
	DomainName string          `json:"domainName"`
	ExpireTime any             `json:"expireTime"`
	Callback   deliverySummary `json:"callback"`
}

type recordResponse struct {
	VideoURL *string `json:"videoUrl"`
	// PosterURL is mvgen's extension (contract §6.3): the signed link to
	// the video's poster image, given with videoUrl and served by videos.go.
	PosterURL *string `json:"posterUrl"`
	// Captions is mvgen's extension (contract §6.5): signed links to the
	// video's caption files, given with videoUrl when the video shows
	// timed lyrics; null otherwise.
	Captions *captionLinks `json:"captions"`
	// CaptionsNote says why a video of a track with lyrics has no caption
	// files (its lyrics carry no times); omitted otherwise.
	CaptionsNote string `json:"captionsNote,omitempty"`
	// Videos is mvgen's extension (contract §6.5): every video of the
	// task, rendition 0 (the one videoUrl names) first; given with
	// videoUrl, null otherwise. Without renditions it holds rendition 0
	// only. A kit's callback lists the same (data.videos).
	Videos []webhook.Video `json:"videos"`
}

// captionLinks are a video's caption files (contract §6.5).
type captionLinks = webhook.Captions

// deliverySummary is record-info's "callback" field: how delivery went.
type deliverySummary struct {
	Attempts        int     `json:"attempts"`
	LastStatus      *int    `json:"lastStatus"`
	LastError       *string `json:"lastError"`
	LastAttemptTime any     `json:"lastAttemptTime"`
	// Problem says, after a failed attempt that retrying alone will not
	// cure (delivery.Lasting), that the callback cannot arrive until it is
	// fixed; null otherwise.
	Problem *string `json:"problem"`
}

// record builds record-info's data object.
func (h *Handler) record(t *mvgen.Task, attempts []*mvgen.Attempt, now time.Time) record {
	r := record{
		TaskID: t.ID, MusicID: t.AudioID, AudioID: t.AudioID, MusicIndex: t.MusicIndex,
		SuccessFlag: t.Status, CreateTime: h.timeValue(t.CreatedAt), CompleteTime: h.timeValue(t.CompletedAt),
		Progress: t.Progress, Author: t.Author, DomainName: t.DomainName, ExpireTime: h.timeValue(t.ExpiresAt),
	}
	if t.VideoKey != "" && now.Before(t.ExpiresAt) {
		u, p := h.Links.URL(t.ID, t.ExpiresAt), h.Links.PosterURL(t.ID, t.ExpiresAt)
		r.Response.VideoURL, r.Response.PosterURL = &u, &p
		switch t.Captions {
		case mvgen.CaptionsStored:
			c := func(f string) string { return h.Links.CaptionURL(t.ID, f, t.ExpiresAt) }
			r.Response.Captions = &captionLinks{SRT: c("srt"), VTT: c("vtt"), LRC: c("lrc")}
		case mvgen.CaptionsUntimed:
			r.Response.CaptionsNote = "no caption files: the track's lyrics have no times"
		}
		r.Response.Videos = delivery.Videos(t, h.Links)
	}
	if t.Failed() {
		r.ErrorCode, r.ErrorMessage = &t.ErrorCode, &t.ErrorMessage
	}
	if t.CallbackURL != "" {
		r.CallbackURL = &t.CallbackURL
	}
	r.Callback.Attempts = len(attempts)
	if n := len(attempts); n > 0 {
		last := attempts[n-1]
		if last.StatusCode != 0 {
			r.Callback.LastStatus = &last.StatusCode
		}
		if last.Error != "" {
			r.Callback.LastError = &last.Error
		}
		if last.Error != "" && delivery.Lasting(last.Error) {
			p := "the callback cannot arrive until this is fixed: " + last.Error +
				"; mvgen keeps retrying on its schedule, and POST /api/v1/mp4/callbacks/redeliver sends it again at once"
			r.Callback.Problem = &p
		}
		r.Callback.LastAttemptTime = h.timeValue(last.At)
	}
	return r
}

// callbacks is GET /api/v1/mp4/callbacks?taskId=: the attempt log.
func (h *Handler) callbacks(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	t, attempts, ok := h.taskWithAttempts(w, r, k)
	if !ok {
		return
	}
	list := make([]map[string]any, 0, len(attempts))
	for _, a := range attempts {
		list = append(list, map[string]any{
			"delivery": a.Delivery, "attempt": a.Attempt, "time": h.timeValue(a.At), "durationMs": a.Duration.Milliseconds(),
			"status": nilIfZero(a.StatusCode), "error": nilIfEmpty(a.Error), "response": a.Response,
		})
	}
	h.ok(w, map[string]any{"taskId": t.ID, "webhookId": t.WebhookID, "callbackUrl": t.CallbackURL, "attempts": list})
}

// redeliver is POST /api/v1/mp4/callbacks/redeliver {"taskId": …}: a new
// delivery of the task's callback, with the same webhook-id.
func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	t, ok := h.bodyTask(w, r, k)
	if !ok {
		return
	}
	switch {
	case t.CallbackURL == "":
		h.error(w, r, mvgen.Errorf(mvgen.EInvalid, "taskId: task %s has no callBackUrl to deliver to", t.ID))
		return
	case !t.Done():
		h.error(w, r, mvgen.Errorf(mvgen.EConflict, "task %s is still rendering; its callback goes out when it finishes", t.ID))
		return
	case !h.allowRedelivery(w, r, k):
		return
	}
	delivery, err := h.Callbacks.Redeliver(r.Context(), t)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, map[string]any{"taskId": t.ID, "webhookId": t.WebhookID, "delivery": delivery})
}

func nilIfZero(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// bodyTask reads a {"taskId": …} body and loads that video task of key k,
// answering the error itself when it cannot.
func (h *Handler) bodyTask(w http.ResponseWriter, r *http.Request, k *mvgen.Key) (*mvgen.Task, bool) {
	var req struct {
		TaskID string `json:"taskId"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.error(w, r, err)
		return nil, false
	}
	if req.TaskID == "" {
		h.error(w, r, mvgen.Errorf(mvgen.EInvalid, "taskId is required"))
		return nil, false
	}
	logctx.SetTask(r.Context(), req.TaskID)
	t, err := h.videoTask(r.Context(), k, req.TaskID)
	if err != nil {
		h.error(w, r, err)
		return nil, false
	}
	return t, true
}
