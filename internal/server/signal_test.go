package server_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
)

// TestSignalShutdown stops a real `mvgen serve` mid-render with a signal,
// the ways a terminal, systemd and an impatient operator send them, and
// checks what becomes of the render and of its ffmpeg processes (a render
// always runs one: the muxer).
//
//   - Ctrl-C in a terminal: SIGINT to the whole process group mvgen runs
//     in, with a 30 s grace. The render finishes: its ffmpeg, in a group of
//     its own, does not get the SIGINT (it used to, and died with it).
//   - systemd (KillMode=mixed): SIGTERM to mvgen alone. With a 30 s grace
//     the render finishes; with a 1 s grace it is interrupted and requeued,
//     its ffmpeg processes end with it, and a restarted server finishes the
//     task (TestSignalShutdownOtherNode has another node finish it).
//   - a second SIGTERM: mvgen stops at once, without waiting for the
//     grace, and its ffmpeg processes die with it.
//
// In every case no ffmpeg process outlives mvgen.
func TestSignalShutdown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		grace   string
		signal  func(t *testing.T, pid int)
		within  time.Duration // how soon mvgen must exit
		want    mvgen.Status  // the task after the exit
		restart bool          // a new server finishes it
	}{
		{"SIGINT to the group", "30s", func(t *testing.T, pid int) {
			if err := syscall.Kill(-pid, syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}, 30 * time.Second, mvgen.StatusSuccess, false},
		{"SIGTERM to mvgen, grace enough", "30s", func(t *testing.T, pid int) {
			if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}, 30 * time.Second, mvgen.StatusSuccess, false},
		{"SIGTERM to mvgen, grace over", "1s", func(t *testing.T, pid int) {
			if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}, 30 * time.Second, mvgen.StatusPending, true},
		{"a second SIGTERM", "30s", func(t *testing.T, pid int) {
			syscall.Kill(pid, syscall.SIGTERM)
			time.Sleep(300 * time.Millisecond)
			syscall.Kill(pid, syscall.SIGTERM)
		}, 3 * time.Second, mvgen.StatusPending, false},
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

			// The server leads a process group of its own, as a shell's
			// foreground job does.
			var log syncBuffer
			cmd := exec.Command(mvgenBinary(t), "serve", "--data", dir, "--addr", "127.0.0.1:0", "--metrics-addr", "off",
				"--callback-allow-net", "127.0.0.0/8", "--rate-limit", "off", "--shutdown-grace", tc.grace)
			cmd.Stderr = &log
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			c.base = servingURL.FindStringSubmatch(waitForLog(t, &log, servingURL))[1]

			m, a := c.upload(makeAudio(t, t.TempDir(), "long.wav", 120), "", "signal")
			id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": newReceiver(t).URL})
			var ffmpegs []int
			for deadline := time.Now().Add(time.Minute); len(ffmpegs) == 0; time.Sleep(20 * time.Millisecond) {
				if rec, _ := c.record(id); rec.Progress > 0 {
					ffmpegs = children(t, cmd.Process.Pid, "ffmpeg")
				}
				if time.Now().After(deadline) {
					t.Fatal("no render with an ffmpeg process under way within a minute")
				}
			}

			start := time.Now()
			tc.signal(t, cmd.Process.Pid)
			select {
			case err := <-exited:
				t.Logf("mvgen exited after %v: %v", time.Since(start).Round(time.Millisecond), err)
			case <-time.After(tc.within):
				t.Fatalf("mvgen still running %v after the signal; its log:\n%s", tc.within, log.String())
			}
			time.Sleep(time.Second) // the kernel's kill of a child whose parent died takes effect
			for _, pid := range ffmpegs {
				if alive(pid) {
					t.Errorf("ffmpeg (pid %d) outlived mvgen", pid)
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			st, err = server.OpenStore(context.Background(), server.Config{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			task, err := st.Task(context.Background(), "", id)
			st.Close()
			if err != nil {
				t.Fatal(err)
			}
			if task.Status != tc.want {
				t.Fatalf("after the signal: task %s (%d %s), want %s; mvgen's log:\n%s", task.Status, task.ErrorCode, task.ErrorMessage, tc.want, log.String())
			}
			if tc.restart {
				_, c.base = startProcess(t, dir)
				if r := c.waitDone(id, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
					t.Fatalf("the restarted server left the task %s", r.SuccessFlag)
				}
			}
		})
	}
}

// children returns the pids of parent's child processes whose command name
// is comm.
func children(t *testing.T, parent int, comm string) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // ended meanwhile
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 || s[open+1:end] != comm {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == parent {
			pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether a process pid exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}
