package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
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
