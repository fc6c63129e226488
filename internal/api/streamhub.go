package api

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// streamHub is a node's open event streams, grouped by key: the streams of
// one key share one keyFeed, whose poller reads the key's tasks every
// eventPoll and hands each change to every stream. The first stream of a
// key starts its poller, the last one to leave stops it, so a key costs two
// queries a poll however many streams it has open (before, each stream ran
// its own: 300 streams took 74–85% of a core).
//
// Its zero value is ready. Lock order: streamHub.mu, then a stream's mu.
type streamHub struct {
	mu   sync.Mutex
	open int                 // streams open on this node
	keys map[string]*keyFeed // by key id: the feed of each key with open streams
}

// keyFeed is one key's poller and its streams.
type keyFeed struct {
	h      *Handler
	key    *mvgen.Key // as its first stream authenticated it
	ctx    context.Context
	cancel context.CancelFunc

	// Under streamHub.mu.
	streams  map[*stream]struct{}
	snapshot []*store.ListedTask // what the last poll saw, oldest first (none before it): a new stream opens with it
	ended    bool                // its streams were ended (revoked key, failed poll, drain) or all left

	// The poller's alone.
	watch taskWatch
}

// stream is one open event stream: the frames the poller queued for it,
// and how it ends when the feed ends it.
type stream struct {
	feed    *keyFeed
	opening []*store.ListedTask // the snapshot it joined with, for its opening events
	wake    chan struct{}       // 1-buffered: frames are queued
	done    chan struct{}       // closed when the feed ends the stream
	last    []byte              // the frame to write before ending (set before done closes); nil for none

	mu     sync.Mutex
	queued [][]byte
}

// maxQueued is how many frames a stream may fall behind by: past it the
// stream ends and its client reconnects to the current state (the poller
// never waits for a slow client, and never holds more for one than this).
const maxQueued = 2 * (eventPending + eventRecent)

// joinStream adds a stream of key k to the hub, starting the key's poller
// when it is the first, and queues the state of the last poll for it; the
// refusal, when not "", says which cap it would pass (streamRefusal).
func (h *Handler) joinStream(k *mvgen.Key) (*stream, string) {
	hub := &h.streams
	hub.mu.Lock()
	defer hub.mu.Unlock()
	f := hub.keys[k.ID]
	ofKey := 0
	if f != nil {
		ofKey = len(f.streams)
	}
	if refusal := h.streamRefusal(hub.open, ofKey); refusal != "" {
		if h.Limits.OnStreamRefused != nil {
			h.Limits.OnStreamRefused()
		}
		return nil, refusal
	}
	if f == nil {
		f = &keyFeed{h: h, key: k, streams: map[*stream]struct{}{},
			watch: taskWatch{h: h, keyID: k.ID, seen: map[string]seenTask{}}}
		f.ctx, f.cancel = context.WithCancel(context.Background())
		if hub.keys == nil {
			hub.keys = map[string]*keyFeed{}
		}
		hub.keys[k.ID] = f
		go f.run()
	}
	// The opening events are what the poller last saw (written first, by
	// the stream, outside this lock); its next changes are relative to
	// that and reach this stream too. Before the first poll there is none:
	// the first poll's changes are every task.
	s := &stream{feed: f, opening: f.snapshot, wake: make(chan struct{}, 1), done: make(chan struct{})}
	f.streams[s] = struct{}{}
	hub.open++
	return s, ""
}

// leaveStream removes s; the last stream of a key stops its poller.
func (h *Handler) leaveStream(s *stream) {
	hub := &h.streams
	hub.mu.Lock()
	defer hub.mu.Unlock()
	hub.open--
	f := s.feed
	delete(f.streams, s)
	if len(f.streams) == 0 {
		f.end()
	}
}

// Streams is how many event streams are open on this node (a gauge).
func (h *Handler) Streams() int {
	h.streams.mu.Lock()
	defer h.streams.mu.Unlock()
	return h.streams.open
}

// end stops f's poller and takes it out of the hub, so the key's next
// stream starts a new one. The caller holds the hub's lock.
func (f *keyFeed) end() {
	if f.ended {
		return
	}
	f.ended = true
	f.cancel()
	if hub := &f.h.streams; hub.keys[f.key.ID] == f {
		delete(hub.keys, f.key.ID)
	}
}

// endStreams ends every stream of f, each with frame last (nil for none),
// and f itself.
func (f *keyFeed) endStreams(last []byte) {
	hub := &f.h.streams
	hub.mu.Lock()
	defer hub.mu.Unlock()
	if f.ended {
		return
	}
	for s := range f.streams {
		s.finish(last)
	}
	f.end()
}

// run is f's poller: every eventPoll it reads the key's tasks and hands
// what changed to every stream; every heartbeat it re-reads the key, and
// ends the streams of a revoked one. It returns when f ends. A panic in it
// ends f's streams with the 500 envelope, not the node.
func (f *keyFeed) run() {
	defer func() {
		if v := recover(); v != nil {
			f.fail("panic", fmt.Errorf("%v\n%s", v, debug.Stack()))
		}
	}()
	poll, heartbeat := eventPoll, f.h.heartbeat()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	checked := time.Now() // the key was just authenticated
	for {
		if f.h.draining.Load() {
			f.endStreams(nil) // the clients reconnect to a server that is up
			return
		}
		// Re-read the key when the next check would come after a heartbeat:
		// a revocation ends the streams within one.
		if time.Since(checked)+poll > heartbeat {
			checked = time.Now()
			if ended := f.checkKey(); ended {
				return
			}
		}
		changed, err := f.watch.poll(f.ctx)
		if f.ctx.Err() != nil {
			return
		}
		if err != nil {
			f.fail("polling tasks", err)
			return
		}
		f.publish(changed)
		select {
		case <-f.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// checkKey re-reads f's key; a revoked or deleted one ends the streams
// with the 401 envelope, as a new request would get. It reports whether f
// ended.
func (f *keyFeed) checkKey() bool {
	k, err := f.h.Store.KeyByTokenHash(f.ctx, f.key.TokenHash)
	switch {
	case f.ctx.Err() != nil:
		return true
	case errors.Is(err, mvgen.ErrNotFound):
		f.endStreams(errorFrame(401, "unknown API key"))
		return true
	case err != nil:
		f.fail("re-reading the key", err)
		return true
	case k.Revoked():
		f.endStreams(errorFrame(401, "API key "+k.ID+" was revoked"))
		return true
	}
	return false
}

// fail logs err and ends f's streams with the 500 envelope naming the log
// line's request id.
func (f *keyFeed) fail(what string, err error) {
	ctx, id := logctx.EnsureRequestID(context.Background())
	f.h.Logger.ErrorContext(ctx, "event stream: "+what, "key", f.key.ID, "err", err)
	f.endStreams(errorFrame(500, "internal error (request id "+id+")"))
}

// publish records what this poll saw as the snapshot for new streams and
// queues the changes' frames, marshalled once, for every stream.
func (f *keyFeed) publish(changed []taskSummary) {
	var frames [][]byte
	for _, s := range changed {
		frames = append(frames, taskFrame(s))
	}
	hub := &f.h.streams
	hub.mu.Lock()
	defer hub.mu.Unlock()
	if f.ended {
		return
	}
	f.snapshot = f.watch.current
	if len(frames) == 0 {
		return
	}
	for s := range f.streams {
		if !s.queue(frames) {
			delete(f.streams, s) // it leaves (and is counted out) by itself
			s.finish(nil)
		}
	}
}

// queue adds frames for the stream's writer; false when it is too far
// behind (maxQueued).
func (s *stream) queue(frames [][]byte) bool {
	if len(frames) == 0 {
		return true
	}
	s.mu.Lock()
	if len(s.queued)+len(frames) > maxQueued {
		s.mu.Unlock()
		return false
	}
	s.queued = append(s.queued, frames...)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

// openingFrames are the "task" events the stream opens with.
func (s *stream) openingFrames(h *Handler) [][]byte {
	now := time.Now()
	frames := make([][]byte, 0, len(s.opening))
	for _, l := range s.opening {
		frames = append(frames, taskFrame(h.summary(l, now)))
	}
	return frames
}

// take returns the queued frames and empties the queue.
func (s *stream) take() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queued
	s.queued = nil
	return q
}

// finish ends the stream with frame last (nil for none). The caller holds
// the hub's lock, and calls it once per stream.
func (s *stream) finish(last []byte) {
	s.last = last
	close(s.done)
}

// taskWatch is a key's tasks as its poller last saw them, which is what
// every stream of the key was sent.
type taskWatch struct {
	h       *Handler
	keyID   string
	seen    map[string]seenTask // what the streams were last sent
	pending []string            // tasks PENDING at the last poll
	current []*store.ListedTask // the tasks watched at the last poll, oldest first
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
	w.current = order
	// Forget what is no longer watched, so the map stays small.
	clear(w.seen)
	for id, l := range current {
		w.seen[id] = seenTask{status: l.Status, progress: l.Progress, title: l.Title}
	}
	return changed, nil
}
