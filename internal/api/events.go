package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// How the event stream watches the store: one poller per key looks every
// eventPoll (streamhub.go), and each stream writes a comment every
// heartbeat (Limits.StreamHeartbeat, default eventHeartbeat) so proxies and
// the browser see it alive. Variables so tests can shorten them.
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

// streamRetryAfter is the Retry-After of a stream refused by a cap: a slot
// frees when a stream ends, within a lifetime at the latest.
const streamRetryAfter = 30 * time.Second

// streamWriteTimeout bounds each write to a stream: a client that stops
// reading loses its stream (and connection) instead of holding them.
const streamWriteTimeout = 30 * time.Second

// events is GET /api/v1/mp4/events (mvgen extension, for the dashboard): a
// text/event-stream of the key's tasks. It opens with one "task" event for
// each task it watches, then sends one whenever a task's successFlag or
// progress changes; data is the task as GET /api/v1/mp4/tasks lists it.
//
// Streams are bounded (issue 19): at most Limits.MaxStreamsPerKey per key
// and Limits.MaxStreams on the node (429 past either); all the streams of
// a key share one poller (streamhub.go), which re-reads the key each
// heartbeat and ends them with an "error" event (the 401 envelope) once it
// is revoked; a stream ends after Limits.StreamLifetime, less up to a
// tenth so that streams opened together do not come back together, and
// the client reconnects to the state of that moment. It also ends when the
// client goes away, the server drains, or reading the tasks fails (an
// "error" event with the 500 envelope).
func (h *Handler) events(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	if h.draining.Load() {
		h.openStream(w) // the client reconnects to a server that is up
		return
	}
	s, refusal := h.joinStream(k)
	if refusal != "" {
		h.tooMany(w, r, streamRetryAfter, refusal)
		return
	}
	defer h.leaveStream(s)
	rc := h.openStream(w)
	if rc == nil {
		return
	}
	ctx := r.Context()
	beat := time.NewTicker(h.heartbeat())
	defer beat.Stop()
	var lifeEnd <-chan time.Time
	if life := h.Limits.StreamLifetime; life > 0 {
		t := time.NewTimer(life - rand.N(life/10+1))
		defer t.Stop()
		lifeEnd = t.C
	}
	write := func(frames ...[]byte) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	if !write(s.openingFrames(h)...) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			if !write(s.take()...) {
				return
			}
		case <-s.done:
			if s.last != nil {
				write(s.last)
			}
			return
		case <-beat.C:
			if !write(heartbeatFrame) {
				return
			}
		case <-lifeEnd:
			return
		}
	}
}

var heartbeatFrame = []byte(": heartbeat\n\n")

// openStream writes the stream's headers and its retry field, and returns
// the controller to flush it with; nil when the client is gone. The
// connection closes after the stream: a stream ends by its lifetime and
// often with its client stalled, and no other request should wait behind
// it or inherit its write deadline.
func (h *Handler) openStream(w http.ResponseWriter) *http.ResponseController {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusOK)
	rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return nil
	}
	return rc
}

// heartbeat is how often an idle stream writes a comment, and its key is
// re-read.
func (h *Handler) heartbeat() time.Duration {
	if h.Limits.StreamHeartbeat > 0 {
		return h.Limits.StreamHeartbeat
	}
	return eventHeartbeat
}

// taskFrame is the "task" event of a summary.
func taskFrame(s taskSummary) []byte {
	data, _ := json.Marshal(s)
	return []byte("event: task\ndata: " + string(data) + "\n\n")
}

// errorFrame is an "error" event carrying the envelope of code and msg.
func errorFrame(code int, msg string) []byte {
	data, _ := json.Marshal(envelope{Code: code, Msg: msg})
	return []byte("event: error\ndata: " + string(data) + "\n\n")
}

// streamRefusal says which cap a new stream of key k would pass, and what
// to do; "" when it may open. The caller holds the hub's lock.
func (h *Handler) streamRefusal(open, ofKey int) string {
	l := h.Limits
	switch {
	case l.MaxStreamsPerKey > 0 && ofKey >= l.MaxStreamsPerKey:
		return "this API key has " + strconv.Itoa(ofKey) + " event streams open on this server, the most allowed (cap " +
			strconv.Itoa(l.MaxStreamsPerKey) + " per key); close one (each open dashboard tab holds one) or retry after the Retry-After header's seconds"
	case l.MaxStreams > 0 && open >= l.MaxStreams:
		return "this server has " + strconv.Itoa(open) + " event streams open, the most it serves (cap " +
			strconv.Itoa(l.MaxStreams) + "); retry after the Retry-After header's seconds, or poll GET /api/v1/mp4/tasks meanwhile"
	}
	return ""
}
