package api

import (
	"cmp"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// Limits of GET /api/v1/mp4/tasks.
const (
	defaultTaskPage = 20
	maxTaskPage     = 100
)

// statuses are the successFlag values a task list may be filtered by.
var statuses = []mvgen.Status{mvgen.StatusPending, mvgen.StatusSuccess, mvgen.StatusCreateFailed,
	mvgen.StatusRenderFailed, mvgen.StatusCallbackException}

// listTasks is GET /api/v1/mp4/tasks?status=&createdAfter=&createdBefore=&limit=&cursor= (mvgen
// extension, for the dashboard): the key's video tasks newest first, one
// page at a time; data.nextCursor fetches the next page and is null on the
// last.
func (h *Handler) listTasks(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	q, err := parseTaskQuery(r.URL.Query())
	if err != nil {
		h.error(w, r, err)
		return
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	list, err := h.Store.ListTasks(r.Context(), k.ID, q)
	if err != nil {
		h.error(w, r, err)
		return
	}
	list, next := page(list, limit, func(l *store.ListedTask) string { return encodeCursor(store.Cursor(l.Task)) })
	items := make([]taskSummary, 0, len(list))
	for _, l := range list {
		items = append(items, h.summary(l, time.Now()))
	}
	h.ok(w, map[string]any{"tasks": items, "nextCursor": next})
}

// parseTaskQuery reads the list's query parameters; a message names the bad one.
func parseTaskQuery(v url.Values) (store.TaskQuery, error) {
	q := store.TaskQuery{Limit: defaultTaskPage}
	if s := v.Get("status"); s != "" {
		q.Status = mvgen.Status(s)
		if !knownStatus(q.Status) {
			names := make([]string, len(statuses))
			for i, st := range statuses {
				names[i] = string(st)
			}
			return q, mvgen.Errorf(mvgen.EInvalid, "status must be one of %s (got %q)", strings.Join(names, ", "), s)
		}
	}
	var err error
	if q.Limit, q.After, err = parsePage(v, decodeCursor); err != nil {
		return q, err
	}
	if q.CreatedAfter, err = parseListTime(v, "createdAfter"); err != nil {
		return q, err
	}
	if q.CreatedBefore, err = parseListTime(v, "createdBefore"); err != nil {
		return q, err
	}
	return q, nil
}

// parseListTime reads a time parameter of the list: RFC 3339, the API's
// "yyyy-MM-dd HH:mm:ss" (UTC) or epoch milliseconds; zero when absent.
func parseListTime(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, mvgen.Errorf(mvgen.EInvalid,
		"%s must be an RFC 3339 time (2026-01-02T15:04:05Z), a UTC \"yyyy-MM-dd HH:mm:ss\" time or epoch milliseconds (got %q)", name, s)
}

func knownStatus(s mvgen.Status) bool {
	for _, st := range statuses {
		if st == s {
			return true
		}
	}
	return false
}

// encodeCursor makes a position in the list into an opaque token.
func encodeCursor(c *store.TaskCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMilli(), 10) + "." + c.ID))
}

func decodeCursor(s string) (*store.TaskCursor, error) {
	bad := mvgen.Errorf(mvgen.EInvalid, "cursor is not a nextCursor this API returned (got %q)", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(string(raw), ".")
	ms, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" || len(id) > mvgen.MaxIDBytes {
		return nil, bad
	}
	return &store.TaskCursor{CreatedAt: time.UnixMilli(ms).UTC(), ID: id}, nil
}

// taskSummary is one task of the list and of the event stream: what the
// dashboard shows in a row. Times follow record-info's format.
type taskSummary struct {
	TaskID      string       `json:"taskId"`
	MusicTaskID string       `json:"musicTaskId"`
	AudioID     string       `json:"audioId"`
	Title       string       `json:"title"`
	SuccessFlag mvgen.Status `json:"successFlag"`
	Progress    int          `json:"progress"`
	Author      string       `json:"author"`
	DomainName  string       `json:"domainName"`
	Aspect      string       `json:"aspect"`
	// Resolution is "720p" or "1080p"; Lyrics is false when generate asked
	// for a video without the track's lyrics (contract §6.2).
	Resolution string `json:"resolution"`
	Lyrics     bool   `json:"lyrics"`
	// Theme, FPS and AccentColor are the look (contract §6.6): the theme
	// ("bars" by default), 30 or 60, "#rrggbb" or "" for the cover's.
	Theme       string `json:"theme"`
	FPS         int    `json:"fps"`
	AccentColor string `json:"accentColor"`
	// Dialect is the API the task was created through: "mp4" or "jobs".
	Dialect      string  `json:"dialect"`
	CreateTime   any     `json:"createTime"`
	CompleteTime any     `json:"completeTime"`
	ExpireTime   any     `json:"expireTime"`
	ErrorCode    *int    `json:"errorCode"`
	ErrorMessage *string `json:"errorMessage"`
	Expired      bool    `json:"expired"`
}

func (h *Handler) summary(l *store.ListedTask, now time.Time) taskSummary {
	t := l.Task
	s := taskSummary{
		TaskID: t.ID, MusicTaskID: t.MusicTaskID, AudioID: t.AudioID, Title: l.Title,
		SuccessFlag: t.Status, Progress: t.Progress, Author: t.Author, DomainName: t.DomainName,
		Aspect: t.Aspect, Dialect: t.Dialect.Name(), CreateTime: h.timeValue(t.CreatedAt), CompleteTime: h.timeValue(t.CompletedAt),
		ExpireTime: h.timeValue(t.ExpiresAt), Expired: t.VideoKey != "" && !now.Before(t.ExpiresAt),
	}
	if s.Aspect == "" {
		s.Aspect = "16:9"
	}
	s.Resolution, s.Lyrics = t.Resolution, !t.NoLyrics
	if s.Resolution == "" {
		s.Resolution = "720p"
	}
	theme, _ := mvgen.ParseTheme(t.Theme)
	s.Theme, s.FPS, s.AccentColor = string(theme), cmp.Or(t.FPS, 30), t.AccentColor
	if t.Failed() {
		s.ErrorCode, s.ErrorMessage = &t.ErrorCode, &t.ErrorMessage
	}
	return s
}

// oneTask is GET /api/v1/mp4/tasks/{taskId} (mvgen extension, for the
// dashboard): one task as the list shows it.
func (h *Handler) oneTask(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	logctx.SetTask(r.Context(), r.PathValue("taskId"))
	t, err := h.videoTask(r.Context(), k, r.PathValue("taskId"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	l := &store.ListedTask{Task: t}
	if tr, err := h.Store.Track(r.Context(), k.ID, t.MusicTaskID, t.AudioID); err == nil {
		l.Title = tr.Title
	} else if !errors.Is(err, mvgen.ErrNotFound) {
		h.error(w, r, err)
		return
	}
	h.ok(w, h.summary(l, time.Now()))
}

// parsePage reads a list's limit (defaultTaskPage when absent) and cursor
// (decoded by decode; the zero C when absent); a message names the bad one.
func parsePage[C any](v url.Values, decode func(string) (C, error)) (limit int, after C, err error) {
	limit = defaultTaskPage
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxTaskPage {
			return 0, after, mvgen.Errorf(mvgen.EInvalid, "limit must be a whole number from 1 to %d (got %q)", maxTaskPage, s)
		}
		limit = n
	}
	if s := v.Get("cursor"); s != "" {
		if after, err = decode(s); err != nil {
			return 0, after, err
		}
	}
	return limit, after, nil
}

// page cuts a list read with one item more than limit to limit, and returns
// the cursor of its last item when there is a next page (nil on the last).
func page[T any](list []T, limit int, cursor func(T) string) ([]T, *string) {
	if len(list) <= limit {
		return list, nil
	}
	list = list[:limit]
	c := cursor(list[limit-1])
	return list, &c
}
