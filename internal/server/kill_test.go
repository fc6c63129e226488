package server_test

import (
	"bufio"
	"encoding/json"
	"github.com/mvgen/mvgen/internal/mvgentest"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// mvgenBinary is the mvgen binary, built once per test run.
func mvgenBinary(t *testing.T) string { return mvgentest.Binary(t) }

var servingURL = regexp.MustCompile(`msg="mvgen serving" url=(\S+)`)

// startProcess runs `mvgen serve` as a real process and returns its URL.
func startProcess(t *testing.T, dataDir string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	return startLogged(t, dataDir, nil, extra...)
}

// startLogged is startProcess that also sends every log line to lines.
func startLogged(t *testing.T, dataDir string, lines chan<- string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	args := append([]string{"serve", "--data", dataDir, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--callback-allow-net", "127.0.0.0/8", "--source-allow-net", "127.0.0.0/8",
		"--rate-limit", "off"}, extra...) // the tests poll faster than a client may
	cmd := exec.Command(mvgenBinary(t), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
			if lines != nil {
				lines <- sc.Text()
			}
		}
	}()
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatal("mvgen serve did not start within 30s")
		return nil, ""
	}
}

// TestKillMidRender SIGKILLs the service while it renders and shows that
// the task completes, and its callback arrives, after a restart.
func TestKillMidRender(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	first, base := startProcess(t, dataDir)

	out, err := exec.Command(mvgenBinary(t), "keys", "create", "--name", "kill-test", "--json", "--data", dataDir).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey, WebhookSecret string }
	if err := json.Unmarshal(out, &key); err != nil || key.APIKey == "" {
		t.Fatalf("keys create --json printed %q", out)
	}
	c := &client{t: t, base: base, token: key.APIKey, secret: key.WebhookSecret}
	rcv := newReceiver(t)
	audio := makeAudio(t, t.TempDir(), "long.mp3", 90)
	m, a := c.upload(audio, "", "long")
	id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL})

	deadline := time.Now().Add(time.Minute)
	for {
		r, _ := c.record(id)
		if r.Progress > 0 && r.SuccessFlag == "PENDING" {
			t.Logf("killing mvgen at %d%% of the render", r.Progress)
			break
		}
		if r.SuccessFlag != "PENDING" || time.Now().After(deadline) {
			t.Fatalf("render did not show progress before finishing: %+v", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	select {
	case cb := <-rcv.calls:
		t.Fatalf("a callback arrived from a killed process: %s", cb.body)
	default:
	}

	_, base = startProcess(t, dataDir)
	c.base = base
	cb := rcv.next(t, 3*time.Minute)
	if got := taskIDOf(t, cb); got != id {
		t.Fatalf("callback for %s, want %s", got, id)
	}
	verifySignatures(t, cb, c.secret, id)
	r := c.waitDone(id, 10*time.Second)
	if r.SuccessFlag != "SUCCESS" || r.Response.VideoURL == nil {
		t.Fatalf("after restart: %+v", r)
	}
	checkVideo(t, download(t, *r.Response.VideoURL, filepath.Join(t.TempDir(), "v.mp4")), audio)
}
