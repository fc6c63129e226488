// Package durabletest checks, with strace, that code under test flushes
// files and directories in the order package durable promises. A test
// calls Trace, which runs one test of the same test binary again under
// strace and returns the file system calls it made.
package durabletest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// HelperEnv is set in the environment of the test that Trace runs under
// strace; that test does the work only when it is set.
const HelperEnv = "MVGEN_DURABLE_HELPER"

// Call is one traced system call.
type Call struct {
	Name string // "fsync", "fdatasync" or "rename"
	Path string // the file or directory flushed, or the old name renamed
	To   string // a rename's new name
}

var (
	// A sync that a signal interrupts (Go preempts with SIGURG) ends as
	// "= ? ERESTARTSYS" and the kernel restarts it as restart_syscall, which
	// names no file: the code goes on only once it returns 0, so it counts.
	syncRE   = regexp.MustCompile(`\b(fsync|fdatasync)\(\d+<([^>]*)>\s*\)\s+=\s+(?:0|\? ERESTART)`)
	renameRE = regexp.MustCompile(`\brename(?:at2?)?\((?:AT_FDCWD(?:<[^>]*>)?, )?"([^"]*)", (?:AT_FDCWD(?:<[^>]*>)?, )?"([^"]*)".*\)\s+=\s+0`)
)

// Trace runs the test named test of the current test binary under strace,
// with HelperEnv=dir in its environment, and returns its successful fsync,
// fdatasync and rename calls in order. It skips t when strace is missing
// or cannot trace here.
func Trace(t *testing.T, test, dir string) []Call {
	t.Helper()
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace not installed")
	}
	log := filepath.Join(t.TempDir(), "strace.log")
	cmd := exec.Command("strace", "-f", "-qq", "-y", "-o", log,
		"-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
		os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), HelperEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "ptrace") {
			t.Skipf("strace cannot trace here: %s", out)
		}
		t.Fatalf("%s under strace: %v\n%s", test, err, out)
	}
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Cleanup(func() {
		if t.Failed() {
			raw, _ := os.ReadFile(log)
			t.Logf("strace log:\n%s", raw)
		}
	})
	calls, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

// Parse reads a log of strace -f -y and returns its successful fsync,
// fdatasync and rename calls in order.
func Parse(r io.Reader) ([]Call, error) {
	var calls []Call
	// With several threads, strace splits a call that another thread
	// interrupts: "PID fsync(3</p> <unfinished ...>" and later
	// "PID <... fsync resumed>)      = 0", the pid padded with spaces and
	// the result aligned. Join the halves by pid.
	unfinished := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		pid, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimLeft(rest, " ")
		if head, ok := strings.CutSuffix(rest, " <unfinished ...>"); ok {
			unfinished[pid] = head
			continue
		}
		if strings.HasPrefix(rest, "<... ") {
			if _, tail, ok := strings.Cut(rest, " resumed>"); ok {
				line = pid + " " + unfinished[pid] + tail
				delete(unfinished, pid)
			}
		}
		if m := syncRE.FindStringSubmatch(line); m != nil {
			calls = append(calls, Call{Name: m[1], Path: m[2]})
		} else if m := renameRE.FindStringSubmatch(line); m != nil {
			calls = append(calls, Call{Name: "rename", Path: m[1], To: m[2]})
		}
	}
	return calls, sc.Err()
}

// CheckRename fails t unless calls rename a file to final, flush that
// file's data before the rename, and flush final's directory after it.
func CheckRename(t *testing.T, calls []Call, final string) {
	t.Helper()
	at := -1
	for i, c := range calls {
		if c.Name == "rename" && c.To == final {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("no rename to %s among %+v", final, calls)
	}
	synced := func(cs []Call, path string) bool {
		for _, c := range cs {
			if (c.Name == "fsync" || c.Name == "fdatasync") && c.Path == path {
				return true
			}
		}
		return false
	}
	if old := calls[at].Path; !synced(calls[:at], old) {
		t.Errorf("%s was renamed to %s without an fsync of its data first; calls: %+v", old, final, calls)
	}
	if dir := filepath.Dir(final); !synced(calls[at+1:], dir) {
		t.Errorf("directory %s was not flushed after the rename to %s; calls: %+v", dir, final, calls)
	}
}
