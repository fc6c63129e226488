package server_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/server"
)

// TestFaultReceiverOutage: the receiver is down (connections refused) for a
// stretch spanning several scheduled retries of every task's callback
// (schedule compressed); when it returns, every callback is delivered.
func TestFaultReceiverOutage(t *testing.T) {
	t.Parallel()
	size := sizeOfFaults()
	cfg := serverConfig(t.TempDir())
	// The schedule outlasts the outage (about 4 minutes in all): the
	// receiver returns once every task has failed 3 attempts, which at full
	// size is after the last of the renders.
	cfg.CallbackSchedule = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 3 * time.Second, 5 * time.Second, 10 * time.Second, 20 * time.Second,
		30 * time.Second, 60 * time.Second, 60 * time.Second, 60 * time.Second}
	srv := startServer(t, cfg)
	plain := newClient(t, srv.Store(), srv.URL())
	c := &tolerantClient{t: t, token: plain.token, base: srv.URL()}
	hooks := newCallbackLog(t)
	hooks.down()
	audio, err := os.ReadFile(makeAudio(t, t.TempDir(), "outage.mp3", 1.5))
	if err != nil {
		t.Fatal(err)
	}
	tasks := size.tasks / 2
	var ids []string
	for i := range tasks {
		ids = append(ids, c.submit(audio, fmt.Sprintf("outage-%03d", i), hooks.URL(), time.Minute))
	}
	ended := c.waitEnded(ids, size.completed)
	// The first attempts and retries of every task fail while it is down.
	deadline := time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			r, _ := c.record(id)
			if r.Callback.Attempts >= 3 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	failed := 0
	for _, id := range ids {
		r, _ := c.record(id)
		if r.Callback.Attempts < 3 {
			t.Errorf("task %s: %d attempts while the receiver was down, want at least 3", id, r.Callback.Attempts)
		}
		failed += r.Callback.Attempts
	}
	hooks.up()
	hooks.waitCallbacks(ids, 90*time.Second) // the next scheduled retry: at most 60 s ±20%
	called, callbacks := hooks.check(t, ids)
	rendered := 0
	for _, id := range ids {
		if ended[id].SuccessFlag == "SUCCESS" {
			rendered++
		}
	}
	if rendered != tasks {
		t.Errorf("%d of %d tasks rendered", rendered, tasks)
	}
	t.Logf("fault figures: receiver outage: tasks %d, failed attempts while down %d, callbacks received for %d/%d tasks (%d in all)",
		tasks, failed, called, tasks, callbacks)
	if left := countFiles(t, srv.DataDir()); left.fetched+left.scratch != 0 {
		t.Errorf("left behind: %+v", left)
	}
}

// backendFault runs tasks through a service while fault() breaks a backend
// for size.outage, then recover() mends it. Every accepted task must end
// (SUCCESS, or a failure with its code and callback: no task stays
// PENDING), and a task submitted afterwards must render.
func backendFault(t *testing.T, name string, cfg server.Config, fault, recover func()) {
	size := sizeOfFaults()
	srv := startServer(t, cfg)
	plain := newClient(t, srv.Store(), srv.URL())
	c := &tolerantClient{t: t, token: plain.token, base: srv.URL()}
	hooks := newCallbackLog(t)
	audio, err := os.ReadFile(makeAudio(t, t.TempDir(), "backend.mp3", 1.5))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	tasks := size.tasks
	for i := range tasks {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 400 * time.Millisecond)
			if id := c.submit(audio, fmt.Sprintf("%s-%03d", name, i), hooks.URL(), size.outage+2*time.Minute); id != "" {
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	fault()
	t.Logf("%s: broken for %v", name, size.outage)
	time.Sleep(size.outage)
	recover()
	wg.Wait()

	ended := c.waitEnded(ids, size.completed)
	hooks.waitCallbacks(ids, time.Minute)
	rendered, failed := 0, 0
	for _, id := range ids {
		r, ok := ended[id]
		switch {
		case !ok:
			t.Errorf("task %s still PENDING after %v: lost", id, size.completed)
		case r.SuccessFlag == "SUCCESS":
			rendered++
		default:
			failed++
			if r.ErrorCode == nil || deref(r.ErrorMessage) == "" {
				t.Errorf("task %s failed without a code and message: %+v", id, r)
			}
			t.Logf("task %s ended %s %d %q", id, r.SuccessFlag, *r.ErrorCode, deref(r.ErrorMessage))
		}
	}
	called, callbacks := hooks.check(t, ids)
	// Healthy afterwards.
	after := c.submit(audio, name+"-after", hooks.URL(), time.Minute)
	if r := c.waitEnded([]string{after}, 2*time.Minute)[after]; r.SuccessFlag != "SUCCESS" {
		t.Errorf("a task after the fault ended %q (%s), want SUCCESS", r.SuccessFlag, deref(r.ErrorMessage))
	}
	left := countFiles(t, srv.DataDir()) // every video a whole MP4
	if cfg.Blob == "" && left.videos != rendered+1 {
		t.Errorf("%d video files for %d rendered tasks", left.videos, rendered+1)
	}
	if left.fetched+left.scratch != 0 {
		t.Errorf("left behind: %d fetched sources, %d render scratch entries", left.fetched, left.scratch)
	}
	t.Logf("fault figures: %s: tasks accepted %d/%d, requests refused and retried %d, rendered %d, failed with a code %d, "+
		"pending %d, callbacks received for %d/%d tasks (%d in all), video files %d, healthy after: yes",
		name, len(ids), tasks, c.refused, rendered, failed, len(ids)-rendered-failed, called, len(ids), callbacks, left.videos)
}

// TestFaultS3Outage: the S3 server stops mid-run and comes back.
func TestFaultS3Outage(t *testing.T) {
	t.Parallel()
	s3 := startPrivateS3(t)
	cfg := serverConfig(t.TempDir())
	cfg.Blob = s3.URL
	backendFault(t, "s3 outage", cfg, s3.stop, s3.start)
}

// TestFaultPostgresRestart: the PostgreSQL server (a private one) is
// stopped mid-run and started again.
func TestFaultPostgresRestart(t *testing.T) {
	t.Parallel()
	pg := startPrivatePostgres(t)
	cfg := serverConfig(t.TempDir())
	cfg.DB = pg.DSN
	backendFault(t, "postgres restart", cfg, pg.stop, pg.start)
}

// TestFaultDiskFull: the data directory is a small tmpfs that a ballast file
// fills mid-run; removing it brings the space back.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("disk full case: mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("disk full case: cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	ballast := filepath.Join(dir, "ballast")
	fill := func() {
		f, err := os.Create(ballast)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		buf := make([]byte, 64<<10)
		for {
			if _, err := f.Write(buf); err != nil {
				break // ENOSPC: the disk is full
			}
		}
		for small := make([]byte, 512); ; {
			if _, err := f.Write(small); err != nil {
				break
			}
		}
	}
	cfg := serverConfig(dir)
	backendFault(t, "disk full", cfg, fill, func() { os.Remove(ballast) })
}
