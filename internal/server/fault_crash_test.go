package server_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestFaultCrash: tasks in flight while `mvgen serve` is SIGKILLed at random
// moments (uploads, renders, commits and deliveries all run then) and
// restarted. Every accepted task renders, every task's callback arrives
// (duplicates allowed, one webhook-id per task), nothing is left PENDING,
// and no orphan or partial video, fetched source or render scratch remains.
func TestFaultCrash(t *testing.T) {
	t.Parallel()
	size := sizeOfFaults()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		crashRun(t, size.tasks, size.kills)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		crashRun(t, size.tasks, size.pgKills, "--db", pgtest.DSN(t))
	})
}

func crashRun(t *testing.T, tasks, kills int, extra ...string) {
	size := sizeOfFaults()
	dataDir := filepath.Join(t.TempDir(), "data")
	args := append([]string{"--callback-schedule", "500ms,1s,2s,2s,2s,2s,2s,2s,2s,2s"}, extra...)
	proc, base := startProcess(t, dataDir, args...)
	keyArgs := []string{"keys", "create", "--name", "crash", "--json", "--data", dataDir}
	if len(extra) > 0 {
		keyArgs = append(keyArgs, extra...)
	}
	out, err := exec.Command(mvgenBinary(t), keyArgs...).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey string }
	if err := json.Unmarshal(out, &key); err != nil || key.APIKey == "" {
		t.Fatalf("keys create --json printed %q", out)
	}
	c := &tolerantClient{t: t, token: key.APIKey, base: base}
	hooks := newCallbackLog(t)
	audio, err := os.ReadFile(makeAudio(t, t.TempDir(), "crash.mp3", 2))
	if err != nil {
		t.Fatal(err)
	}

	// Submissions and kills overlap: tasks go in over the first seconds
	// while the killer strikes at random moments. Before each kill the
	// restarted service must have delivered one more callback (made
	// progress), then the killer waits 0.5–3 s more: otherwise, on a loaded
	// machine, every kill could hit the same render, which after
	// jobs.MaxCrashes kills is failed by design (TestCrashLimit).
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for i := range tasks {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 300 * time.Millisecond)
			if id := c.submit(audio, fmt.Sprintf("crash-%03d", i), hooks.URL(), 2*time.Minute); id != "" {
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		})
	}
	seen := hooks.received()
	for k := range kills {
		// Progress is one more callback, unless every task already has its
		// own (on a fast machine the work can be done before the last kill;
		// the kill then checks a restart with nothing left to do).
		progressed := func() bool { return hooks.received() > seen || hooks.calledBack() >= tasks }
		if !waitFor(size.completed, progressed) {
			t.Fatalf("before kill %d: no callback for %v after the restart", k+1, size.completed)
		}
		time.Sleep(500*time.Millisecond + rand.N(2500*time.Millisecond))
		if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		proc.Wait()
		seen = hooks.received()
		t.Logf("kill %d/%d", k+1, kills)
		proc, base = startProcess(t, dataDir, args...)
		c.setBase(base)
	}
	wg.Wait()
	if len(ids) != tasks {
		t.Fatalf("%d of %d tasks accepted", len(ids), tasks)
	}

	ended := c.waitEnded(ids, size.completed)
	hooks.waitCallbacks(ids, time.Minute)
	rendered := 0
	for _, id := range ids {
		r, ok := ended[id]
		switch {
		case !ok:
			t.Errorf("task %s still PENDING after %v", id, size.completed)
		case r.SuccessFlag != "SUCCESS":
			t.Errorf("task %s ended %s (%s), want SUCCESS", id, r.SuccessFlag, deref(r.ErrorMessage))
		default:
			rendered++
		}
	}
	called, callbacks := hooks.check(t, ids)
	left := countFiles(t, dataDir)
	if left.videos != tasks {
		t.Errorf("%d video files for %d tasks (each renders its own): orphans or losses", left.videos, tasks)
	}
	if left.fetched+left.scratch != 0 {
		t.Errorf("left behind: %d fetched sources, %d render scratch entries", left.fetched, left.scratch)
	}
	t.Logf("fault figures: crash %s: tasks %d, kills %d, rendered %d/%d, callbacks received for %d/%d tasks (%d in all), "+
		"video files %d, orphan/partial videos %d, fetched left %d, scratch left %d, upload temp files left %d",
		db(extra), tasks, kills, rendered, tasks, called, tasks, callbacks,
		left.videos, left.videos-rendered, left.fetched, left.scratch, left.partial)
}

func db(extra []string) string {
	if len(extra) > 0 {
		return "postgres"
	}
	return "sqlite"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestCrashLimit: a render whose process is killed under it each time it
// runs is not run forever: after jobs.MaxCrashes crashes the restart fails
// its task with a message that says so, and the callback reports it.
func TestCrashLimit(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	lines := make(chan string, 1000)
	proc, base := startLogged(t, dataDir, lines)
	out, err := exec.Command(mvgenBinary(t), "keys", "create", "--name", "crash-limit", "--json", "--data", dataDir).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey, WebhookSecret string }
	json.Unmarshal(out, &key)
	c := &client{t: t, base: base, token: key.APIKey, secret: key.WebhookSecret}
	rcv := newReceiver(t)
	m, a := c.upload(makeAudio(t, t.TempDir(), "long.mp3", 90), "", "crashy")
	id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL})
	for kill := 1; kill <= 3; kill++ {
		// Kill once this process has started the render (its log says so).
		timeout := time.After(time.Minute)
	wait:
		for {
			select {
			case line := <-lines:
				if m := renderingLine.FindStringSubmatch(line); m != nil && m[1] == id {
					break wait
				}
			case <-timeout:
				t.Fatalf("before kill %d: the render did not start", kill)
			}
		}
		time.Sleep(300 * time.Millisecond)
		proc.Process.Signal(syscall.SIGKILL)
		proc.Wait()
		proc, c.base = startLogged(t, dataDir, lines)
	}
	r := c.waitDone(id, time.Minute)
	const want = "Internal error: the render crashed the worker 3 times"
	if r.SuccessFlag != "GENERATE_MP4_FAILED" || r.ErrorCode == nil || *r.ErrorCode != 500 || deref(r.ErrorMessage) != want {
		t.Errorf("after 3 crashes: %s %v %q, want GENERATE_MP4_FAILED 500 %q", r.SuccessFlag, r.ErrorCode, deref(r.ErrorMessage), want)
	}
	var ev struct {
		Code int
		Msg  string
	}
	json.Unmarshal(rcv.next(t, 30*time.Second).body, &ev)
	if ev.Code != 500 || ev.Msg != want {
		t.Errorf("callback %d %q, want 500 %q", ev.Code, ev.Msg, want)
	}
}
