package server_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob/s3/s3test"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

var (
	renderingLine = regexp.MustCompile(`msg=rendering task=(\w+)`)
	renderedLine  = regexp.MustCompile(`msg=rendered task=(\w+)`)
)

// nodeLog collects what the nodes say about renders.
type nodeLog struct {
	mu        sync.Mutex
	rendering map[string]map[int]bool // task → nodes that started it
	rendered  map[string]int          // task → renders finished
}

func (l *nodeLog) follow(node int, lines <-chan string) {
	for line := range lines {
		l.mu.Lock()
		if m := renderingLine.FindStringSubmatch(line); m != nil {
			if l.rendering[m[1]] == nil {
				l.rendering[m[1]] = map[int]bool{}
			}
			l.rendering[m[1]][node] = true
		}
		if m := renderedLine.FindStringSubmatch(line); m != nil {
			l.rendered[m[1]]++
		}
		l.mu.Unlock()
	}
}

// TestMultiNode runs two `mvgen serve` processes on one PostgreSQL database
// and one bucket: 20 tasks are each rendered exactly once and every
// callback arrives; a node SIGKILLed mid-render has its task finished by
// the other.
func TestMultiNode(t *testing.T) {
	t.Parallel()
	dsn, bucket := pgtest.DSN(t), s3test.URL(t)
	dir := t.TempDir()
	log := &nodeLog{rendering: map[string]map[int]bool{}, rendered: map[string]int{}}
	var nodes [2]*exec.Cmd
	var urls [2]string
	for i := range nodes {
		lines := make(chan string, 1000)
		go log.follow(i, lines)
		nodes[i], urls[i] = startLogged(t, filepath.Join(dir, "node", string(rune('a'+i))), lines,
			"--db", dsn, "--blob", bucket, "--render-workers", "1")
	}
	out, err := exec.Command(mvgenBinary(t), "keys", "create", "--name", "multi", "--json", "--db", dsn).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey, WebhookSecret string }
	json.Unmarshal(out, &key)
	c := &client{t: t, base: urls[1], token: key.APIKey, secret: key.WebhookSecret}
	rcv := newReceiver(t)
	m, a := c.upload(makeAudio(t, t.TempDir(), "a.mp3", 4), "", "multi-node")

	const n = 20
	ids := map[string]bool{}
	for i := range n {
		c.base = urls[i%2] // submissions reach both nodes
		ids[c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL,
			"author": "author " + string(rune('A'+i))})] = true
	}
	c.base = urls[1]

	// Kill node 0 while it renders a task that has not finished.
	var victim string
	for deadline := time.Now().Add(2 * time.Minute); victim == ""; time.Sleep(20 * time.Millisecond) {
		log.mu.Lock()
		for id, by := range log.rendering {
			if by[0] && log.rendered[id] == 0 {
				victim = id
			}
		}
		log.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("node 0 never started a render")
		}
	}
	if err := nodes[0].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	nodes[0].Wait()
	t.Logf("killed node 0 while it rendered %s", victim)

	webhookIDs := map[string]map[string]bool{}
	for len(webhookIDs) < n {
		cb := rcv.next(t, 3*time.Minute)
		id := taskIDOf(t, cb)
		if !ids[id] {
			t.Fatalf("callback for an unknown task %s", id)
		}
		if webhookIDs[id] == nil {
			webhookIDs[id] = map[string]bool{}
		}
		webhookIDs[id][cb.header.Get("webhook-id")] = true
	}
	for id, w := range webhookIDs {
		if len(w) != 1 {
			t.Errorf("task %s: callbacks with %d different webhook-ids, want 1", id, len(w))
		}
		if r := c.waitDone(id, 30*time.Second); r.SuccessFlag != "SUCCESS" {
			t.Errorf("task %s: %s", id, r.SuccessFlag)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for id := range ids {
		if log.rendered[id] != 1 {
			t.Errorf("task %s rendered %d times, want exactly once", id, log.rendered[id])
		}
	}
	if !log.rendering[victim][1] {
		t.Errorf("the killed node's task %s was not taken over by node 1", victim)
	}
}
