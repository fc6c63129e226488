package docs_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgentest"
)

// TestMakeRunChecks: `make run` (scripts/run.sh) checks its port, its
// metrics port and its data directory before it prints the banner or makes
// a demo key, and its hint names make's variable (ADDR=, METRICS_ADDR=,
// DATA=), not mvgen's flag. It used to print the whole banner and make a
// key, then fail with a hint naming --addr.
func TestMakeRunChecks(t *testing.T) {
	t.Parallel()
	bin := mvgentest.Binary(t)
	hold := func() string { // a loopback address something listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l.Addr().String()
	}
	for _, tc := range []struct {
		name string
		env  func(data string) []string
		want string
	}{
		{"port taken", func(string) []string { return []string{"ADDR=" + hold()} }, "make run ADDR=127.0.0.1:8090"},
		{"metrics port taken", func(string) []string { return []string{"METRICS_ADDR=" + hold()} }, "make run METRICS_ADDR=127.0.0.1:9465"},
		{"data directory is a file", func(data string) []string {
			os.WriteFile(data, nil, 0o600)
			return nil
		}, "make run DATA=./mvgen-data2"},
		{"data directory in use", func(data string) []string {
			os.MkdirAll(data, 0o700)
			f, err := os.OpenFile(filepath.Join(data, "mvgen.lock"), os.O_CREATE|os.O_RDWR, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
				t.Fatal(err)
			}
			return nil
		}, "is in use by another mvgen serve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "data")
			cmd := exec.Command("bash", "../scripts/run.sh")
			// Free ports by default: only the case's own setting is taken.
			cmd.Env = append(os.Environ(), "BIN="+bin, "DATA="+data, "METRICS_ADDR=off",
				"ADDR=127.0.0.1:"+freePorts(t, []string{"addr"})["addr"])
			cmd.Env = append(cmd.Env, tc.env(data)...) // the last of a name wins
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			done := make(chan []byte, 1)
			go func() { out, _ := cmd.CombinedOutput(); done <- out }()
			var out []byte
			select {
			case out = <-done:
			case <-time.After(30 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				t.Fatalf("run.sh still running after 30s: it did not refuse: %s", <-done)
			}
			if cmd.ProcessState.ExitCode() == 0 || !strings.Contains(string(out), tc.want) {
				t.Errorf("exit %d, output %q; want a failure saying %q", cmd.ProcessState.ExitCode(), out, tc.want)
			}
			if strings.Contains(string(out), "API key:") || strings.Contains(string(out), "--addr") {
				t.Errorf("the output shows the banner or names mvgen's flag: %q", out)
			}
			if _, err := os.Stat(filepath.Join(data, "demo-key.json")); err == nil {
				t.Error("a demo key was made before the check")
			}
		})
	}
}
