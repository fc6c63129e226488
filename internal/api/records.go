package api

import (
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/task"
)

// recordInfo is GET /api/v1/mp4/record-info (contract §3).
func (h *Handler) recordInfo(w http.ResponseWriter, r *http.Request, k *task.Key) {
	id := r.URL.Query().Get("taskId")
	if id == "" {
		h.error(w, r, task.Errorf(task.EInvalid, "taskId query parameter is required"))
		return
	}
	t, err := h.Store.Task(r.Context(), k.ID, id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	attempts, err := h.Store.Attempts(r.Context(), t.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, h.record(t, attempts, time.Now()))
}

// record builds record-info's data object.
func (h *Handler) record(t *task.Task, attempts []*task.Attempt, now time.Time) map[string]any {
	var videoURL, errorCode, errorMessage, callbackURL any
	if t.VideoKey != "" && now.Before(t.ExpiresAt) {
		videoURL = h.Links.URL(t.ID, t.ExpiresAt)
	}
	if t.Failed() {
		errorCode, errorMessage = t.ErrorCode, t.ErrorMessage
	}
	if t.CallbackURL != "" {
		callbackURL = t.CallbackURL
	}
	d := map[string]any{
		"taskId":       t.ID,
		"musicId":      t.AudioID,
		"audioId":      t.AudioID,
		"musicIndex":   t.MusicIndex,
		"callbackUrl":  callbackURL,
		"successFlag":  t.Status,
		"response":     map[string]any{"videoUrl": videoURL},
		"createTime":   h.timeValue(t.CreatedAt),
		"completeTime": h.timeValue(t.CompletedAt),
		"errorCode":    errorCode,
		"errorMessage": errorMessage,
		// mvgen's additions (contract §3 allows adding fields).
		"progress":   t.Progress,
		"author":     t.Author,
		"domainName": t.DomainName,
		"expireTime": h.timeValue(t.ExpiresAt),
		"callback":   deliverySummary(attempts, h),
	}
	return d
}

// deliverySummary is record-info's "callback" field: how delivery went.
func deliverySummary(attempts []*task.Attempt, h *Handler) map[string]any {
	s := map[string]any{"attempts": len(attempts), "lastStatus": nil, "lastError": nil, "lastAttemptTime": nil}
	if n := len(attempts); n > 0 {
		last := attempts[n-1]
		if last.StatusCode != 0 {
			s["lastStatus"] = last.StatusCode
		}
		if last.Error != "" {
			s["lastError"] = last.Error
		}
		s["lastAttemptTime"] = h.timeValue(last.At)
	}
	return s
}

// callbacks is GET /api/v1/mp4/callbacks?taskId=: the attempt log.
func (h *Handler) callbacks(w http.ResponseWriter, r *http.Request, k *task.Key) {
	id := r.URL.Query().Get("taskId")
	if id == "" {
		h.error(w, r, task.Errorf(task.EInvalid, "taskId query parameter is required"))
		return
	}
	t, err := h.Store.Task(r.Context(), k.ID, id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	attempts, err := h.Store.Attempts(r.Context(), t.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	list := make([]map[string]any, 0, len(attempts))
	for _, a := range attempts {
		list = append(list, map[string]any{
			"attempt": a.Attempt, "time": h.timeValue(a.At), "durationMs": a.Duration.Milliseconds(),
			"status": nilIfZero(a.StatusCode), "error": nilIfEmpty(a.Error), "response": a.Response,
		})
	}
	h.ok(w, map[string]any{"taskId": t.ID, "webhookId": t.WebhookID, "callbackUrl": t.CallbackURL, "attempts": list})
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
