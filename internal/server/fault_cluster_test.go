package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob/s3"
	"github.com/mvgen/mvgen/internal/blob/s3/s3test"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestFaultClusterKills (issue 19): three `mvgen serve` nodes on one
// PostgreSQL database and one bucket take tasks while a random node is
// SIGKILLed and restarted at a fixed interval. Every task is rendered and
// called back (one webhook-id each), and the bucket holds one video per task
// and no fetched source: nothing lost, nothing orphaned.
func TestFaultClusterKills(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite")
	}
	t.Parallel()
	tasks, every, span, completed := 12, 10*time.Second, 40*time.Second, 5*time.Minute
	if os.Getenv("MVGEN_CHAOS") == "full" {
		tasks, every, span, completed = 100, 20*time.Second, 3*time.Minute, 25*time.Minute
	}
	dsn, bucket := pgtest.DSN(t), s3test.URL(t)
	dir := t.TempDir()
	args := []string{"--db", dsn, "--blob", bucket, "--callback-schedule", "500ms,1s,2s,2s,2s,2s,2s,2s,2s,2s"}
	out, err := exec.Command(mvgenBinary(t), "keys", "create", "--name", "cluster", "--json", "--db", dsn).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	var key struct{ APIKey string }
	if err := json.Unmarshal(out, &key); err != nil || key.APIKey == "" {
		t.Fatalf("keys create --json printed %q", out)
	}
	const nodes = 3
	var procs [nodes]*exec.Cmd
	var clients [nodes]*tolerantClient
	for i := range nodes {
		var base string
		procs[i], base = startProcess(t, filepath.Join(dir, fmt.Sprint("node", i)), args...)
		clients[i] = &tolerantClient{t: t, token: key.APIKey, base: base}
	}
	hooks := newCallbackLog(t)
	audio, err := os.ReadFile(makeAudio(t, t.TempDir(), "cluster.mp3", 2))
	if err != nil {
		t.Fatal(err)
	}

	// Submissions spread over the span, each to the next node (through the
	// tolerant client, which waits out a node's restart).
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for i := range tasks {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * span / time.Duration(tasks))
			if id := clients[i%nodes].submit(audio, fmt.Sprintf("cluster-%03d", i), hooks.URL(), 2*time.Minute); id != "" {
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		})
	}
	kills := 0
	for end := time.Now().Add(span); time.Now().Before(end); {
		time.Sleep(every)
		n := rand.N(nodes)
		if err := procs[n].Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		procs[n].Wait()
		kills++
		var base string
		procs[n], base = startProcess(t, filepath.Join(dir, fmt.Sprint("node", n)), args...)
		clients[n].setBase(base)
		t.Logf("kill %d: node %d", kills, n)
	}
	wg.Wait()
	if len(ids) != tasks {
		t.Fatalf("%d of %d tasks accepted", len(ids), tasks)
	}

	ended := clients[0].waitEnded(ids, completed)
	hooks.waitCallbacks(ids, time.Minute)
	rendered := 0
	for _, id := range ids {
		switch r, ok := ended[id]; {
		case !ok:
			t.Errorf("task %s still PENDING after %v", id, completed)
		case r.SuccessFlag != "SUCCESS":
			t.Errorf("task %s ended %s (%s), want SUCCESS", id, r.SuccessFlag, deref(r.ErrorMessage))
		default:
			rendered++
		}
	}
	called, callbacks := hooks.check(t, ids)

	ctx := context.Background()
	store, err := s3.Open(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	videos, err := store.List(ctx, "videos/")
	if err != nil {
		t.Fatal(err)
	}
	mp4 := 0
	for _, k := range videos {
		if strings.HasSuffix(k, ".mp4") {
			mp4++
		}
	}
	fetched, err := store.List(ctx, "fetched/")
	if err != nil {
		t.Fatal(err)
	}
	if mp4 != tasks {
		t.Errorf("%d videos in the bucket for %d tasks (each renders its own): orphans or losses", mp4, tasks)
	}
	if len(fetched) != 0 {
		t.Errorf("fetched sources left in the bucket: %q", fetched)
	}
	t.Logf("fault figures: cluster of %d nodes on postgres+s3: tasks %d, SIGKILLs %d (one every %v over %v), rendered %d/%d, "+
		"callbacks received for %d/%d tasks (%d in all, one webhook-id each), videos in the bucket %d, fetched left %d",
		nodes, tasks, kills, every, span, rendered, tasks, called, tasks, callbacks, mp4, len(fetched))
}
