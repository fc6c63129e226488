package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// How the event stream watches the store: each connection polls it every
// eventPoll and writes a comment every eventHeartbeat so proxies and the
// browser see the stream alive. Variables so tests can shorten them.
var (
	eventPoll      = 500 * time.Millisecond
	eventHeartbeat = 15 * time.Second
)

// What one poll looks at: every PENDING task of the key (up to
// eventPending) and its eventRecent newest tasks, which shows tasks that
// finish before a poll sees them pending.
const (
	eventPending = 100
	eventRecent  = 20
)

// events is GET /api/v1/mp4/events (mvgen extension, for the dashboard): a
// text/event-stream of the key's tasks. It opens with one "task" event for
// each task it watches, then sends one whenever a task's successFlag or
// progress changes; data is the task as GET /api/v1/mp4/tasks lists it.
// The stream ends when the client goes away or the server drains.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	ctx := r.Context()
	watch := &taskWatch{h: h, keyID: k.ID, seen: map[string]seenTask{}}
	poll := time.NewTicker(eventPoll)
	defer poll.Stop()
	beat := time.NewTicker(eventHeartbeat)
	defer beat.Stop()
	for {
		changed, err := watch.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			ctx, id := logctx.EnsureRequestID(ctx)
			h.Logger.ErrorContext(ctx, "event stream: polling tasks", "key", k.ID, "err", err)
			msg, _ := json.Marshal(envelope{Code: 500, Msg: "internal error (request id " + id + ")"})
			fmt.Fprintf(w, "event: error\ndata: %s\n\n", msg)
			rc.Flush()
			return
		}
		for _, s := range changed {
			data, _ := json.Marshal(s)
			if _, err := fmt.Fprintf(w, "event: task\ndata: %s\n\n", data); err != nil {
				return
			}
		}
		if len(changed) > 0 && rc.Flush() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-poll.C:
		}
		if h.draining.Load() {
			return // the client reconnects to a server that is up
		}
	}
}

// taskWatch is one event stream's view of a key's tasks.
type taskWatch struct {
	h       *Handler
	keyID   string
	seen    map[string]seenTask // what the client was last sent
	pending []string            // tasks PENDING at the last poll
}

type seenTask struct {
	status   mvgen.Status
	progress int
	title    string
}

// poll returns the summaries of the tasks that changed since the last poll.
func (w *taskWatch) poll(ctx context.Context) ([]taskSummary, error) {
	pending, err := w.h.Store.ListTasks(ctx, w.keyID, store.TaskQuery{Status: mvgen.StatusPending, Limit: eventPending})
	if err != nil {
		return nil, err
	}
	recent, err := w.h.Store.ListTasks(ctx, w.keyID, store.TaskQuery{Limit: eventRecent})
	if err != nil {
		return nil, err
	}
	current := map[string]*store.ListedTask{}
	var order []*store.ListedTask // oldest first, so a client applies them in order
	add := func(l *store.ListedTask) {
		if _, ok := current[l.ID]; !ok {
			current[l.ID] = l
			order = append(order, l)
		}
	}
	for i := len(recent) - 1; i >= 0; i-- {
		add(recent[i])
	}
	for i := len(pending) - 1; i >= 0; i-- {
		add(pending[i])
	}
	// A task that was pending and is now neither pending nor recent has
	// finished: look it up alone.
	for _, id := range w.pending {
		if _, ok := current[id]; ok {
			continue
		}
		t, err := w.h.Store.Task(ctx, w.keyID, id)
		if err != nil {
			return nil, err
		}
		add(&store.ListedTask{Task: t, Title: w.seen[id].title})
	}
	w.pending = w.pending[:0]
	for _, l := range pending {
		w.pending = append(w.pending, l.ID)
	}

	var changed []taskSummary
	now := time.Now()
	for _, l := range order {
		s := seenTask{status: l.Status, progress: l.Progress, title: l.Title}
		if prev, ok := w.seen[l.ID]; !ok || prev != s {
			changed = append(changed, w.h.summary(l, now))
		}
	}
	// Forget what is no longer watched, so the map stays small.
	clear(w.seen)
	for id, l := range current {
		w.seen[id] = seenTask{status: l.Status, progress: l.Progress, title: l.Title}
	}
	return changed, nil
}
