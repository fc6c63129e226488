// Package logctx carries a request's id and the task it is about in its
// context, so that every log line written with that context names them
// (request=…, task=…). The server's middleware gives every HTTP request an
// id ([WithRequestID]); handlers name the task they work on with
// [SetTask]; [NewHandler] wraps a slog.Handler so that records logged with
// a context (InfoContext, ErrorContext, …) carry both.
package logctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
)

// The attribute keys every line about a request or a task uses.
const (
	requestKey = "request"
	taskKey    = "task"
)

type ctxKey struct{}

// fields are what a context carries; task may be set later by the handler,
// so it sits behind a lock.
type fields struct {
	request string
	mu      sync.Mutex
	task    string
}

func from(ctx context.Context) *fields {
	f, _ := ctx.Value(ctxKey{}).(*fields)
	return f
}

// WithRequestID returns ctx carrying request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	f := &fields{request: id}
	if old := from(ctx); old != nil {
		f.task = old.taskID()
	}
	return context.WithValue(ctx, ctxKey{}, f)
}

// RequestID is ctx's request id, "" when it has none.
func RequestID(ctx context.Context) string {
	if f := from(ctx); f != nil {
		return f.request
	}
	return ""
}

// EnsureRequestID returns ctx's request id, giving ctx a new one first
// when it has none (a handler used without the server's middleware).
func EnsureRequestID(ctx context.Context) (context.Context, string) {
	if id := RequestID(ctx); id != "" {
		return ctx, id
	}
	id := NewID()
	return WithRequestID(ctx, id), id
}

// WithTask returns ctx carrying task id id.
func WithTask(ctx context.Context, id string) context.Context {
	f := &fields{task: id}
	if old := from(ctx); old != nil {
		f.request = old.request
	}
	return context.WithValue(ctx, ctxKey{}, f)
}

// SetTask names the task a request is about, for the rest of its lines and
// its access log line. It does nothing on a context WithRequestID or
// WithTask did not make (use WithTask there).
func SetTask(ctx context.Context, id string) {
	if f := from(ctx); f != nil {
		f.mu.Lock()
		f.task = id
		f.mu.Unlock()
	}
}

// Task is the task id ctx carries, "" when none.
func Task(ctx context.Context) string {
	if f := from(ctx); f != nil {
		return f.taskID()
	}
	return ""
}

func (f *fields) taskID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.task
}

// NewID returns a new request id: 16 hex digits.
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Handler is a slog.Handler that adds the request and task ids of the
// record's context as request=… and task=… (when the context has them and
// the record or its logger does not already name them).
type Handler struct {
	inner slog.Handler
	named map[string]bool // attribute keys the logger's With already set
}

// NewHandler wraps h; wrapping a Handler returns it unchanged.
func NewHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*Handler); ok {
		return h
	}
	return &Handler{inner: h}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if f := from(ctx); f != nil {
		has := map[string]bool{"request": h.named["request"], "task": h.named["task"]}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "request" || a.Key == "task" {
				has[a.Key] = true
			}
			return true
		})
		if !has["request"] && f.request != "" {
			r.AddAttrs(slog.String("request", f.request))
		}
		if t := f.taskID(); !has["task"] && t != "" {
			r.AddAttrs(slog.String("task", t))
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	named := map[string]bool{"request": h.named["request"], "task": h.named["task"]}
	for _, a := range as {
		if a.Key == "request" || a.Key == "task" {
			named[a.Key] = true
		}
	}
	return &Handler{inner: h.inner.WithAttrs(as), named: named}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), named: h.named}
}

// ForTask returns log naming a task and, when known, the request that made
// it (task.Task.RequestID): the lines a worker writes about a task then
// carry the same task= and request= as the API's lines about it.
func ForTask(log *slog.Logger, taskID, requestID string) *slog.Logger {
	if requestID == "" {
		return log.With(taskKey, taskID)
	}
	return log.With(taskKey, taskID, requestKey, requestID)
}
