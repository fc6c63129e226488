package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob/s3/s3test"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestSignalShutdownOtherNode: two `mvgen serve` nodes share one PostgreSQL
// database and one bucket (the scale-out setup). Node A, given 1 s of
// grace, gets SIGTERM in the middle of a render that needs far longer: it
// interrupts and requeues the render and exits, and node B takes the task
// over and finishes it. The task ends SUCCESS, only node B finishes a
// render of it, and its callback arrives once.
func TestSignalShutdownOtherNode(t *testing.T) {
	t.Parallel()
	dsn, bucket := pgtest.DSN(t), s3test.URL(t)
	dir := t.TempDir()
	args := []string{"--db", dsn, "--blob", bucket, "--render-workers", "1", "--shutdown-grace", "1s"}
	out, err := exec.Command(mvgenBinary(t), "keys", "create", "--name", "handover", "--json", "--db", dsn).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey, WebhookSecret string }
	if err := json.Unmarshal(out, &key); err != nil || key.APIKey == "" {
		t.Fatalf("keys create --json printed %q", out)
	}
	log := &nodeLog{rendering: map[string]map[int]bool{}, rendered: map[string]int{}}
	start := func(node int) (*exec.Cmd, string) {
		lines := make(chan string, 1000)
		go log.follow(node, lines)
		return startLogged(t, filepath.Join(dir, "node"+strconv.Itoa(node)), lines, args...)
	}

	// Node A alone at first, so the render is surely its own.
	a, baseA := start(0)
	c := &client{t: t, base: baseA, token: key.APIKey, secret: key.WebhookSecret}
	rcv := newReceiver(t)
	m, au := c.upload(makeAudio(t, t.TempDir(), "long.wav", 120), "", "handover")
	id := c.generate(map[string]any{"taskId": m, "audioId": au, "callBackUrl": rcv.URL})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if rec, _ := c.record(id); rec.Progress > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node A reported no progress within a minute")
		}
	}
	_, baseB := start(1)

	exited := make(chan struct{})
	go func() { a.Wait(); close(exited) }()
	signalled := time.Now()
	if err := a.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		t.Logf("node A exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
	case <-time.After(40 * time.Second): // 1 s of grace, at most 30 s to interrupt, 5 s to close
		t.Fatal("node A still running 40 s after SIGTERM with 1 s of grace")
	}
	log.mu.Lock()
	finishedByA := log.rendered[id]
	log.mu.Unlock()
	if finishedByA != 0 {
		t.Fatalf("node A finished the render within 1 s of grace; the test needs a longer one")
	}

	c.base = baseB
	if r := c.waitDone(id, 3*time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Fatalf("node B left the task %s (%v)", r.SuccessFlag, deref(r.ErrorMessage))
	}
	cb := rcv.next(t, time.Minute)
	if got := taskIDOf(t, cb); got != id {
		t.Fatalf("callback for task %s, want %s", got, id)
	}
	select {
	case again := <-rcv.calls:
		t.Errorf("a second callback for task %s (webhook-id %s, first %s)", taskIDOf(t, again),
			again.header.Get("webhook-id"), cb.header.Get("webhook-id"))
	case <-time.After(3 * time.Second):
	}
	if r, _ := c.record(id); r.Callback.Attempts != 1 || r.Callback.LastStatus == nil || *r.Callback.LastStatus != 200 {
		t.Errorf("record-info's callback: %d attempts, last status %v; want 1 attempt answered 200", r.Callback.Attempts, r.Callback.LastStatus)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if !log.rendering[id][0] || !log.rendering[id][1] {
		t.Errorf("task %s rendered by nodes %v, want started by A and taken over by B", id, log.rendering[id])
	}
	if log.rendered[id] != 1 {
		t.Errorf("task %s: %d renders finished, want 1 (node B's)", id, log.rendered[id])
	}
}

// signalled is a `mvgen serve` process that a test stops with a signal.
type signalled struct {
	cmd    *exec.Cmd
	base   string
	log    *syncBuffer
	exited chan struct{}
}

// serveToSignal starts `mvgen serve` on the SQLite data directory dir and
// waits until it serves.
func serveToSignal(t *testing.T, dir string, extra ...string) *signalled {
	t.Helper()
	args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--metrics-addr", "off",
		"--callback-allow-net", "127.0.0.0/8", "--source-allow-net", "127.0.0.0/8", "--rate-limit", "off"}, extra...)
	p := &signalled{cmd: exec.Command(mvgenBinary(t), args...), log: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.exited })
	p.base = servingURL.FindStringSubmatch(waitForLog(t, p.log, servingURL))[1]
	return p
}

// stop sends SIGTERM and waits up to within for the exit, returning how
// long it took.
func (p *signalled) stop(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("mvgen still running %v after SIGTERM; its log:\n%s", within, p.log.String())
		return 0
	}
}

// interruptedLine is what a worker logs when a shutdown cuts its job short.
var interruptedLine = regexp.MustCompile(`interrupted by shutdown`)

// TestSignalShutdownFinishesInFlight: a source download and a callback
// attempt under way when SIGTERM arrives finish within the grace (30 s),
// each from a slow server on loopback that takes 4 s to answer: the
// download is not cut (and not made again after a restart: the fetched
// copy was kept), and the receiver's 200 is recorded as the delivery's one
// attempt (no retry after a restart). A callback attempt used to be
// cancelled at once, whatever the grace. With a grace shorter than the
// download (1 s), the fetch is interrupted and requeued, and fetched again
// after a restart.
func TestSignalShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	const slow = 4 * time.Second

	for _, tc := range []struct {
		name     string
		grace    string
		finished bool  // the download finishes before mvgen exits
		requests int32 // downloads of the source in all, the restart's included
	}{
		{"fetch", "30s", true, 1},             // the copy fetched within the grace is kept
		{"fetch, grace over", "1s", false, 2}, // interrupted, requeued and fetched again
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			st, err := server.OpenStore(context.Background(), server.Config{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, st, "")
			st.Close()
			audio, err := os.ReadFile(makeAudio(t, t.TempDir(), "remote.wav", 3))
			if err != nil {
				t.Fatal(err)
			}
			var requests atomic.Int32
			started := make(chan struct{}, 10)
			served := make(chan error, 10)
			src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				started <- struct{}{}
				w.Header().Set("Content-Type", "audio/wav")
				w.Header().Set("Content-Length", strconv.Itoa(len(audio)))
				const chunks = 20
				var err error
				for i := range chunks {
					if i > 0 {
						select {
						case <-time.After(slow / chunks):
						case <-r.Context().Done():
							served <- r.Context().Err() // mvgen hung up
							return
						}
					}
					if _, err = w.Write(audio[i*len(audio)/chunks : (i+1)*len(audio)/chunks]); err != nil {
						break
					}
					w.(http.Flusher).Flush()
				}
				served <- err
			}))
			t.Cleanup(src.Close)

			p := serveToSignal(t, dir, "--shutdown-grace", tc.grace)
			c.base = p.base
			e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": src.URL + "/song.wav", "title": "in flight"})
			var tr struct{ TaskID, AudioID string }
			if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
				t.Fatalf("register URL track: %d %s", e.Code, e.Msg)
			}
			id := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID})
			select {
			case <-started:
			case <-time.After(time.Minute):
				t.Fatal("the source was not requested within a minute")
			}
			took := p.stop(t, 40*time.Second)
			select {
			case err := <-served:
				if tc.finished && err != nil {
					t.Fatalf("the download was cut %v after SIGTERM: %v; mvgen's log:\n%s", took, err, p.log.String())
				}
				if !tc.finished && err == nil {
					t.Fatalf("the download of %v finished with %s of grace; mvgen's log:\n%s", slow, tc.grace, p.log.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the source server never finished its answer")
			}
			t.Logf("mvgen exited %v after SIGTERM, its download of %v under way", took.Round(time.Millisecond), slow)
			if interrupted := interruptedLine.MatchString(p.log.String()); interrupted == tc.finished {
				t.Errorf("with %s of grace: the log says a job was interrupted: %v, want %v; mvgen's log:\n%s",
					tc.grace, interrupted, !tc.finished, p.log.String())
			}

			c.base = serveToSignal(t, dir).base
			if r := c.waitDone(id, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
				t.Fatalf("after a restart: task %s (%v), want SUCCESS", r.SuccessFlag, deref(r.ErrorMessage))
			}
			if n := requests.Load(); n != tc.requests {
				t.Errorf("the source was requested %d times, want %d", n, tc.requests)
			}
		})
	}

	t.Run("callback", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		st, err := server.OpenStore(context.Background(), server.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, st, "")
		st.Close()
		var requests atomic.Int32
		arrived := make(chan struct{}, 10)
		answered := make(chan error, 10)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // read whole, so a hang-up ends r.Context()
			requests.Add(1)
			arrived <- struct{}{}
			select {
			case <-time.After(slow):
			case <-r.Context().Done():
				answered <- r.Context().Err() // mvgen hung up
				return
			}
			w.WriteHeader(http.StatusOK)
			answered <- nil
		}))
		t.Cleanup(rcv.Close)

		p := serveToSignal(t, dir, "--shutdown-grace", "30s")
		c.base = p.base
		m, a := c.upload(makeAudio(t, t.TempDir(), "short.wav", 2), "", "in flight")
		id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL})
		select {
		case <-arrived:
		case <-time.After(2 * time.Minute):
			t.Fatal("no callback attempt within 2 minutes")
		}
		took := p.stop(t, 40*time.Second)
		select {
		case err := <-answered:
			if err != nil {
				t.Fatalf("the callback attempt was cut %v after SIGTERM: %v; mvgen's log:\n%s", took, err, p.log.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the receiver never answered")
		}
		if took < slow/2 {
			t.Errorf("mvgen exited %v after SIGTERM, before the receiver's answer (%v)", took, slow)
		}
		t.Logf("mvgen exited %v after SIGTERM, its callback attempt of %v under way", took.Round(time.Millisecond), slow)

		c.base = serveToSignal(t, dir, "--callback-schedule", "100ms,200ms").base
		r := c.waitDone(id, time.Minute)
		time.Sleep(3 * time.Second) // a retry would come now
		r, _ = c.record(id)
		if r.SuccessFlag != "SUCCESS" || r.Callback.Attempts != 1 || r.Callback.LastStatus == nil || *r.Callback.LastStatus != 200 {
			t.Errorf("after a restart: task %s, callback attempts %d, last status %v; want SUCCESS and 1 attempt answered 200",
				r.SuccessFlag, r.Callback.Attempts, r.Callback.LastStatus)
		}
		if n := requests.Load(); n != 1 {
			t.Errorf("the receiver got %d requests, want 1", n)
		}
	})
}
