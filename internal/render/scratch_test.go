package render

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The scratch files of the benchmark's baselines: the raw frames of a
// render, 7.5 GB at 720p and 16.8 GB at 1080p for 180 s. They once went to
// /dev/shm, a tmpfs, where they held that much memory: an interrupted run
// left one behind, and the next run was killed by the OOM killer. So now a
// scratch file goes only on a disk, where the kernel can drop what it
// caches of it; it is removed when the benchmark ends, when the process is
// interrupted (SIGINT, SIGTERM, SIGHUP), and, when a SIGKILL or a test
// timeout left it behind, by the next run (see removeStale).

// scratchPrefix starts a scratch file's name, which goes on with the
// process's PID (see removeStale).
const scratchPrefix = "mvgen-bench-"

// Filesystem types (statfs f_type) that live in memory.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// scratchDirs are the directories a scratch file may go in, in order of
// preference: MVGEN_BENCH_DIR when set, os.TempDir(), /var/tmp.
func scratchDirs() []string {
	var dirs []string
	if d := os.Getenv("MVGEN_BENCH_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, os.TempDir(), "/var/tmp")
}

// scratchFile creates a file for size bytes in the first of scratchDirs on
// a disk (not a tmpfs or ramfs) with room for it and 4 GiB more, and has
// it removed however the benchmark ends. It fails when no directory
// qualifies, saying why each did not.
func scratchFile(tb testing.TB, size int64) (*os.File, error) {
	removeStale(append(scratchDirs(), "/dev/shm"))
	var why []string
	for _, dir := range scratchDirs() {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			why = append(why, err.Error())
			continue
		}
		switch free := int64(st.Bavail) * int64(st.Bsize); {
		case int64(st.Type) == tmpfsMagic || int64(st.Type) == ramfsMagic:
			why = append(why, dir+" is in memory (tmpfs)")
			continue
		case free < size+4<<30:
			why = append(why, fmt.Sprintf("%s has %.1f GB free, want %.1f", dir, float64(free)/1e9, float64(size+4<<30)/1e9))
			continue
		}
		f, err := os.CreateTemp(dir, scratchPrefix+strconv.Itoa(os.Getpid())+"-*.yuv")
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		forget := removeOnSignal(f.Name())
		tb.Cleanup(func() {
			f.Close()
			os.Remove(f.Name())
			forget()
		})
		return f, nil
	}
	return nil, fmt.Errorf("no disk for %.1f GB of frames (set MVGEN_BENCH_DIR): %s", float64(size)/1e9,
		strings.Join(why, "; "))
}

// removeStale removes the scratch files in dirs whose process has ended:
// what a SIGKILL or a test timeout left behind.
func removeStale(dirs []string) {
	for _, dir := range dirs {
		names, _ := filepath.Glob(filepath.Join(dir, scratchPrefix+"*-*.yuv"))
		for _, name := range names {
			pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(name), scratchPrefix), "-", 2)[0])
			if err != nil || pid == os.Getpid() {
				continue
			}
			if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
				os.Remove(name)
			}
		}
	}
}

// scratch lists the scratch files to remove when the process is
// interrupted.
var scratch struct {
	sync.Mutex
	files   map[string]bool
	handler sync.Once
}

// removeOnSignal has path removed when the process is interrupted by
// SIGINT, SIGTERM or SIGHUP, which then ends it as it would have; forget
// undoes it.
func removeOnSignal(path string) (forget func()) {
	scratch.handler.Do(func() {
		sigs := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
		c := make(chan os.Signal, 1)
		signal.Notify(c, sigs...)
		go func() {
			sig := <-c
			scratch.Lock()
			for f := range scratch.files {
				os.Remove(f)
			}
			scratch.Unlock()
			signal.Reset(sigs...)
			syscall.Kill(os.Getpid(), sig.(syscall.Signal))
			time.Sleep(time.Second) // the signal ends the process; if it did not:
			os.Exit(2)
		}()
	})
	scratch.Lock()
	defer scratch.Unlock()
	if scratch.files == nil {
		scratch.files = map[string]bool{}
	}
	scratch.files[path] = true
	return func() {
		scratch.Lock()
		defer scratch.Unlock()
		delete(scratch.files, path)
	}
}

// TestScratchFileRemoved checks the scratch file's cleanup: it is on a
// disk, gone after the test that made it, and a file left by an ended
// process is removed by the next run while a live process's stays.
func TestScratchFileRemoved(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MVGEN_BENCH_DIR", dir)
	var name string
	t.Run("make", func(t *testing.T) {
		f, err := scratchFile(t, 1<<20)
		if err != nil {
			t.Skip(err) // no disk here: nothing to clean up either
		}
		name = f.Name()
		if filepath.Dir(name) == "/dev/shm" {
			t.Errorf("scratch file %s is in /dev/shm", name)
		}
	})
	if name == "" {
		return
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scratch file %s is still there after its test (stat: %v)", name, err)
	}
	dead, live := filepath.Join(dir, scratchPrefix+"999999999-1.yuv"), filepath.Join(dir, scratchPrefix+"1-1.yuv")
	for _, f := range []string{dead, live} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removeStale([]string{dir})
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dead process's scratch file is still there")
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's scratch file (PID 1) was removed: %v", err)
	}
}

// TestScratchFileRemovedOnInterrupt runs this test binary again to make a
// scratch file and wait, interrupts it (SIGINT, as Ctrl-C does), and
// checks that the file is gone and the process ended of the signal.
func TestScratchFileRemovedOnInterrupt(t *testing.T) {
	if os.Getenv("MVGEN_SCRATCH_HELPER") != "" {
		f, err := scratchFile(t, 1<<20)
		if err != nil {
			fmt.Println("skip:", err)
			return
		}
		fmt.Println(f.Name())
		time.Sleep(time.Minute)
		t.Fatal("not interrupted")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestScratchFileRemovedOnInterrupt$")
	cmd.Env = append(os.Environ(), "MVGEN_SCRATCH_HELPER=1", "MVGEN_BENCH_DIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("reading the helper's scratch file: %v", err)
	}
	name := strings.TrimSpace(line)
	if strings.HasPrefix(name, "skip:") {
		cmd.Wait()
		t.Skip(name)
	}
	if _, err := os.Stat(name); err != nil {
		t.Fatalf("the helper's scratch file: %v", err)
	}
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
		t.Errorf("the helper ended with %v, want killed by SIGINT", err)
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scratch file %s is still there after SIGINT (stat: %v)", name, err)
	}
}
