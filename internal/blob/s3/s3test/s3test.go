// Package s3test gives tests a real S3 server: MVGEN_TEST_S3 when set, else
// a versitygw (scripts/versitygw.sh) started once per test process on
// loopback, stopped by its watchdog when the process exits.
package s3test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// Env names the variable with an s3:// URL of an existing server; its
// credentials come from the AWS environment variables.
const Env = "MVGEN_TEST_S3"

var (
	once     sync.Once
	endpoint string
	startErr error
)

// URL returns an s3:// URL with a bucket of its own for this test. It
// skips the test when no server can be had, and fails it instead in CI.
func URL(tb testing.TB) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	bucket := "mvgen-test-" + hex.EncodeToString(b[:])
	if u := os.Getenv(Env); u != "" {
		return u + "&prefix=" + bucket
	}
	once.Do(start)
	if startErr != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("S3 tests need versitygw: %v", startErr)
		}
		tb.Skipf("S3 tests need versitygw (or %s): %v", Env, startErr)
	}
	return fmt.Sprintf("s3://%s?endpoint=%s&region=us-east-1", bucket, endpoint)
}

func start() {
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "scripts", "versitygw.sh")
	if out, err := exec.Command("bash", script, "path").CombinedOutput(); err != nil {
		startErr = fmt.Errorf("installing: %v: %s", err, bytes.TrimSpace(out))
		return
	}
	dir, err := os.MkdirTemp("", "mvgen-s3test-")
	if err != nil {
		startErr = err
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		startErr = err
		return
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("bash", script, "start", dir, strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "VERSITYGW_OWNER_PID="+strconv.Itoa(os.Getpid()))
	if out, err := cmd.CombinedOutput(); err != nil {
		startErr = fmt.Errorf("starting: %v: %s", err, bytes.TrimSpace(out))
		return
	}
	os.Setenv("AWS_ACCESS_KEY_ID", "mvgen")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "mvgensecret")
	os.Unsetenv("AWS_SESSION_TOKEN")
	endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
}
