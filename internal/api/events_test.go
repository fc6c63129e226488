package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// sse is one thing read from an event stream: an event or a comment.
type sse struct {
	name    string // "" for a comment
	data    summary
	comment string
}

// openEvents connects to the event stream as token and returns what it
// reads; the channel closes when the stream ends.
func openEvents(t *testing.T, url, token string) (<-chan sse, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/mp4/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan sse, 100)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, ":"):
				out <- sse{comment: strings.TrimSpace(line[1:])}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[len("data: "):]), &ev.data); err != nil {
					t.Errorf("event data %q: %v", line, err)
				}
			case line == "" && ev.name != "":
				out <- ev
				ev = sse{}
			}
		}
	}()
	return out, resp
}

// next returns the next event (skipping comments) or fails after timeout.
func next(t *testing.T, events <-chan sse, timeout time.Duration) sse {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended, want another event")
			}
			if ev.name != "" {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event within %v", timeout)
		}
	}
}

// TestEvents: the stream opens with the key's tasks, then pushes each
// progress and status change of the key's tasks only (also of a task too
// old to be among the recent ones), keeps itself alive with heartbeats and
// ends when the server drains.
func TestEvents(t *testing.T) {
	defer api.SetEventTimings(20*time.Millisecond, 150*time.Millisecond)()
	f := newListFixture(t)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	old := f.addTask("alice", "Old", base)
	for i := range 20 { // newer tasks that push "Old" out of the recent ones
		tk := f.addTask("alice", "Filler", base.Add(time.Duration(i+1)*time.Second))
		if _, err := f.db.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: "v",
			CompletedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	a := f.addTask("alice", "Song", base.Add(time.Minute))
	bob := f.addTask("bob", "Bob's", base.Add(time.Minute))

	events, resp := openEvents(t, f.srv.URL, "tok-alice")
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q, want text/event-stream", ct)
	}
	opening := map[string]summary{}
	for range 21 { // 19 of the fillers and "Song" are the 20 recent ones; "Old" is pending
		ev := next(t, events, 2*time.Second)
		opening[ev.data.TaskID] = ev.data
	}
	if len(opening) != 21 || opening[old.ID].Title != "Old" || opening[a.ID].SuccessFlag != "PENDING" {
		t.Fatalf("opening events: %d tasks (old %+v, a %+v), want the 21 watched ones", len(opening), opening[old.ID], opening[a.ID])
	}
	if _, ok := opening[bob.ID]; ok {
		t.Fatal("alice's stream shows bob's task")
	}

	steps := []struct {
		name   string
		change func() error
		want   summary
	}{
		{"progress", func() error { return f.db.SetProgress(ctx, a.ID, 40) },
			summary{TaskID: a.ID, Title: "Song", SuccessFlag: "PENDING", Progress: 40}},
		{"finished", func() error {
			f.db.SetProgress(ctx, bob.ID, 50) // not alice's: never sent to her
			_, err := f.db.FinishTask(ctx, a.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: "v",
				CompletedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
			return err
		}, summary{TaskID: a.ID, Title: "Song", SuccessFlag: "SUCCESS", Progress: 100}},
		{"an old task fails", func() error {
			_, err := f.db.FinishTask(ctx, old.ID, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: 500,
				ErrorMessage: "encoder died", CompletedAt: time.Now()})
			return err
		}, summary{TaskID: old.ID, Title: "Old", SuccessFlag: "GENERATE_MP4_FAILED"}},
	}
	for _, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		ev := next(t, events, 2*time.Second)
		got := ev.data
		if ev.name != "task" || got.TaskID != st.want.TaskID || got.Title != st.want.Title ||
			got.SuccessFlag != st.want.SuccessFlag || got.Progress != st.want.Progress {
			t.Errorf("%s: event %s %+v, want task %+v", st.name, ev.name, got, st.want)
		}
	}
	// A new task is the next event: nothing was sent for bob's change.
	c := f.addTask("alice", "New", time.Now())
	if ev := next(t, events, 2*time.Second); ev.data.TaskID != c.ID || ev.data.SuccessFlag != "PENDING" {
		t.Errorf("after a new task: event %+v, want task %s PENDING", ev.data, c.ID)
	}

	// Heartbeats while nothing changes, then the end on drain.
	deadline := time.After(2 * time.Second)
	for beat := false; !beat; {
		select {
		case ev := <-events:
			if ev.name != "" {
				t.Errorf("an event with nothing changed: %+v", ev)
			}
			beat = ev.comment == "heartbeat"
		case <-deadline:
			t.Fatal("no heartbeat within 2s")
		}
	}
	f.h.Drain()
	deadline = time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream still runs 2s after the server began draining")
		}
	}
}

// countingStore counts the task queries of each key: the event streams'
// cost.
type countingStore struct {
	api.Store
	mu    sync.Mutex
	lists map[string]int
}

func (s *countingStore) ListTasks(ctx context.Context, keyID string, q store.TaskQuery) ([]*store.ListedTask, error) {
	s.mu.Lock()
	s.lists[keyID]++
	s.mu.Unlock()
	return s.Store.ListTasks(ctx, keyID, q)
}

func (s *countingStore) listed(keyID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[keyID]
}

// openStream opens the event stream as token and closes it when close is
// called (or at the end of the test).
func openStream(t *testing.T, url, token string) (events <-chan sse, resp *http.Response, close func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/mp4/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		return nil, resp, cancel
	}
	out := make(chan sse, 200)
	go readEvents(t, resp, out)
	return out, resp, cancel
}

// readEvents sends what resp's stream carries to out, closing out at its
// end; an error event's data is the envelope, in data.Title as its msg and
// data.Progress as its code.
func readEvents(t *testing.T, resp *http.Response, out chan<- sse) {
	defer close(out)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var ev sse
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ":"):
			out <- sse{comment: strings.TrimSpace(line[1:])}
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: ") && ev.name == "error":
			var e struct {
				Code int    `json:"code"`
				Msg  string `json:"msg"`
			}
			if err := json.Unmarshal([]byte(line[len("data: "):]), &e); err != nil {
				t.Errorf("error data %q: %v", line, err)
			}
			ev.data = summary{Title: e.Msg, Progress: e.Code}
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(line[len("data: "):]), &ev.data); err != nil {
				t.Errorf("event data %q: %v", line, err)
			}
		case line == "" && ev.name != "":
			out <- ev
			ev = sse{}
		}
	}
}

// ended waits for the stream to end and returns the events it sent
// meanwhile (comments left out), or fails after timeout.
func ended(t *testing.T, events <-chan sse, timeout time.Duration) []sse {
	t.Helper()
	var got []sse
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return got
			}
			if ev.name != "" {
				got = append(got, ev)
			}
		case <-deadline:
			t.Fatalf("the stream still runs after %v (events %+v)", timeout, got)
		}
	}
}

// waitStreams waits until h counts want open streams.
func waitStreams(t *testing.T, h *api.Handler, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Streams() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open, want %d", h.Streams(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEventStreamCaps: a key's streams past MaxStreamsPerKey, and any
// stream past MaxStreams, answer 429 with Retry-After and a message naming
// the cap and what to do; a slot that frees is usable again. Before the
// caps, 300 streams of one key took 74–85% of a core.
func TestEventStreamCaps(t *testing.T) {
	f := newListFixture(t)
	f.h.Limits.MaxStreamsPerKey, f.h.Limits.MaxStreams = 2, 3
	refused := 0
	f.h.Limits.OnStreamRefused = func() { refused++ }
	if err := f.db.CreateKey(context.Background(), &mvgen.Key{ID: "carol", Name: "carol", TokenHash: mvgen.HashToken("tok-carol"),
		WebhookSecret: "whsec_carol", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	tooMany := func(token, want string) {
		t.Helper()
		_, resp, _ := openStream(t, f.srv.URL, token)
		var e struct {
			Code int
			Msg  string
		}
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 429 || e.Code != 429 || resp.Header.Get("Retry-After") != "30" || !strings.Contains(e.Msg, want) {
			t.Errorf("stream over a cap: %s, Retry-After %q, %d %q; want 429 with Retry-After 30 and a message naming %q",
				resp.Status, resp.Header.Get("Retry-After"), e.Code, e.Msg, want)
		}
	}
	_, _, closeA1 := openStream(t, f.srv.URL, "tok-alice")
	openStream(t, f.srv.URL, "tok-alice")
	tooMany("tok-alice", "(cap 2 per key); close one")
	openStream(t, f.srv.URL, "tok-bob")
	waitStreams(t, f.h, 3)
	tooMany("tok-carol", "this server has 3 event streams open, the most it serves (cap 3)")
	tooMany("tok-alice", "cap 2 per key")
	closeA1()
	waitStreams(t, f.h, 2)
	if _, resp, _ := openStream(t, f.srv.URL, "tok-carol"); resp.StatusCode != 200 {
		t.Errorf("a stream once a slot freed: %s, want 200", resp.Status)
	}
	waitStreams(t, f.h, 3)
	if refused != 3 {
		t.Errorf("OnStreamRefused called %d times, want 3", refused)
	}
}

// TestEventStreamSharedPoller: every stream of a key shares one poller, so
// five streams cost what one does; each stream still opens with the state
// of the key's tasks, whenever it joins, and all of them get each change;
// the last one to leave stops the poller.
func TestEventStreamSharedPoller(t *testing.T) {
	const poll = 20 * time.Millisecond
	defer api.SetEventTimings(poll, time.Minute)()
	f := newListFixture(t)
	counted := &countingStore{Store: f.h.Store, lists: map[string]int{}}
	f.h.Store = counted
	a := f.addTask("alice", "One", time.Now().Add(-time.Minute))
	f.addTask("alice", "Two", time.Now())

	var streams []<-chan sse
	var closers []func()
	for i := range 5 {
		events, _, closeIt := openStream(t, f.srv.URL, "tok-alice")
		streams, closers = append(streams, events), append(closers, closeIt)
		opening := map[string]string{}
		for range 2 {
			ev := next(t, events, 2*time.Second)
			opening[ev.data.TaskID] = ev.data.Title
		}
		if opening[a.ID] != "One" || len(opening) != 2 {
			t.Fatalf("stream %d opened with %v, want both tasks", i, opening)
		}
		time.Sleep(3 * poll) // later streams join a running poller
	}
	before, start := counted.listed("alice"), time.Now()
	time.Sleep(50 * poll)
	polls := float64(counted.listed("alice")-before) / 2 // two queries a poll
	if most := float64(time.Since(start))/float64(poll) + 2; polls > most {
		t.Errorf("%.0f polls of alice's tasks in %v with 5 streams open, want at most %.0f (one poller)", polls, time.Since(start), most)
	}

	if err := f.db.SetProgress(context.Background(), a.ID, 30); err != nil {
		t.Fatal(err)
	}
	for i, events := range streams {
		if ev := next(t, events, 2*time.Second); ev.data.TaskID != a.ID || ev.data.Progress != 30 {
			t.Errorf("stream %d: %+v, want %s at 30%%", i, ev.data, a.ID)
		}
	}
	for _, c := range closers {
		c()
	}
	waitStreams(t, f.h, 0)
	time.Sleep(3 * poll) // a poll under way ends
	stopped := counted.listed("alice")
	time.Sleep(10 * poll)
	if n := counted.listed("alice"); n != stopped {
		t.Errorf("%d queries after the last stream left, want none (the poller stops)", n-stopped)
	}
}

// TestEventStreamRevoked: a stream of a key revoked while it runs ends
// within one heartbeat with an error event carrying the 401 envelope;
// another key's stream runs on. Before, it kept sending.
func TestEventStreamRevoked(t *testing.T) {
	const heartbeat = 300 * time.Millisecond
	defer api.SetEventTimings(20*time.Millisecond, time.Minute)()
	f := newListFixture(t)
	f.h.Limits.StreamHeartbeat = heartbeat
	alice1, _, _ := openStream(t, f.srv.URL, "tok-alice")
	alice2, _, _ := openStream(t, f.srv.URL, "tok-alice")
	bob, _, _ := openStream(t, f.srv.URL, "tok-bob")
	waitStreams(t, f.h, 3)
	time.Sleep(heartbeat / 2) // revoked between two checks of the key
	revoked := time.Now()
	if err := f.db.RevokeKey(context.Background(), "alice", revoked); err != nil {
		t.Fatal(err)
	}
	for i, events := range []<-chan sse{alice1, alice2} {
		got := ended(t, events, 3*heartbeat)
		took := time.Since(revoked)
		if len(got) != 1 || got[0].name != "error" || got[0].data.Progress != 401 || got[0].data.Title != "API key alice was revoked" {
			t.Errorf("alice's stream %d sent %+v at its end, want one error event with the 401 envelope", i, got)
		}
		if took > heartbeat {
			t.Errorf("alice's stream %d ended %v after the revocation, want within a heartbeat (%v)", i, took, heartbeat)
		}
	}
	deadline := time.After(2 * heartbeat)
	for beats := 0; beats < 2; {
		select {
		case ev, ok := <-bob:
			if !ok {
				t.Fatal("bob's stream ended with alice's")
			}
			if ev.comment == "heartbeat" {
				beats++
			}
		case <-deadline:
			t.Fatal("bob's stream sent no heartbeats after alice's ended")
		}
	}
}

// TestEventStreamLifetime: a stream ends after its lifetime (less up to a
// tenth), and the reconnecting client opens with the current state.
func TestEventStreamLifetime(t *testing.T) {
	const life = 400 * time.Millisecond
	defer api.SetEventTimings(20*time.Millisecond, time.Minute)()
	f := newListFixture(t)
	f.h.Limits.StreamLifetime = life
	a := f.addTask("alice", "Song", time.Now())
	start := time.Now()
	events, _, _ := openStream(t, f.srv.URL, "tok-alice")
	got := ended(t, events, 3*life)
	if took := time.Since(start); took < life*9/10 || took > life+200*time.Millisecond {
		t.Errorf("the stream ended after %v, want %v less up to a tenth", took, life)
	}
	if len(got) != 1 || got[0].data.TaskID != a.ID {
		t.Errorf("the stream sent %+v, want the opening event of %s only", got, a.ID)
	}
	waitStreams(t, f.h, 0)
	if err := f.db.SetProgress(context.Background(), a.ID, 70); err != nil {
		t.Fatal(err)
	}
	events, _, _ = openStream(t, f.srv.URL, "tok-alice")
	if ev := next(t, events, 2*time.Second); ev.data.TaskID != a.ID || ev.data.Progress != 70 {
		t.Errorf("after reconnecting: %+v, want %s at 70%%", ev.data, a.ID)
	}
}

// panickyStore panics on a task query.
type panickyStore struct{ api.Store }

func (panickyStore) ListTasks(context.Context, string, store.TaskQuery) ([]*store.ListedTask, error) {
	var tasks map[string]int
	tasks["t"]++ // a nil map: a real runtime panic
	return nil, nil
}

// TestEventStreamPollerPanic: a panic in a key's poller, which runs apart
// from any request, ends that key's streams with the 500 envelope and not
// the node.
func TestEventStreamPollerPanic(t *testing.T) {
	defer api.SetEventTimings(20*time.Millisecond, time.Minute)()
	f := newListFixture(t)
	f.h.Store = panickyStore{f.h.Store}
	events, _, _ := openStream(t, f.srv.URL, "tok-alice")
	got := ended(t, events, 2*time.Second)
	if len(got) != 1 || got[0].name != "error" || got[0].data.Progress != 500 || !strings.HasPrefix(got[0].data.Title, "internal error (request id ") {
		t.Errorf("the stream sent %+v at its end, want one error event with the 500 envelope", got)
	}
	waitStreams(t, f.h, 0)
}
