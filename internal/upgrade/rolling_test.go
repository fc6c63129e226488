package upgrade

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob/s3/s3test"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// rollingTraffic is how long the old and the new node serve side by side,
// with a task created every rollingEvery.
const (
	rollingTraffic = 24 * time.Second
	rollingEvery   = 2 * time.Second
)

// TestRollingUpgrade is a rolling upgrade on PostgreSQL + S3, as README's
// "Upgrading" says: an old-release node serves; the new binary's mvgen
// migrate runs beside it; a new node joins on the same database and bucket
// behind one load balancer (both nodes' --public-url); for rollingTraffic
// both take tasks, alternately, of tracks uploaded to either, and answer
// record-info for the other's tasks, while a third of the callbacks are
// refused once, so retries run on whichever node takes them. Then the old
// node stops (SIGTERM) and the new one carries on alone.
//
// Both nodes serve and render; no task fails (record-info never says so,
// on either node); every task is rendered once and called back exactly
// once; every link works through the load balancer once the old node is
// gone.
func TestRollingUpgrade(t *testing.T) {
	t.Parallel()
	oldBin, newBin := binaries(t)
	dsn := pgtest.DSN(t)
	bucket := s3test.URL(t)
	dir := t.TempDir()
	audio := []string{makeAudio(t, 2), makeAudio(t, 3)}

	key := createKey(t, oldBin, "--db", dsn)
	rcv := newReceiver(t, key.WebhookSecret)
	rcv.set(func(r *receiver) { r.refuseFirst = 1 })
	lb := newBalancer(t)
	args := func(data string) []string {
		return serveArgs("--addr", freeAddr(t), "--data", filepath.Join(dir, data), "--db", dsn, "--blob", bucket,
			"--public-url", lb.URL)
	}
	old := startNode(t, "old", oldBin, args("old")...)
	lb.set(old)

	// The new release's migrations first, while the old node serves: they
	// only expand the schema, so the old node carries on.
	out, err := exec.Command(newBin, "migrate", "--db", dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("mvgen migrate (new) beside the old node: %v %s", err, out)
	}
	t.Logf("the new binary's mvgen migrate beside the old node: %s", strings.TrimSpace(string(out)))
	cur := startNode(t, "new", newBin, args("new")...)
	lb.set(old, cur)

	nodes := []*node{old, cur}
	clients := []api{{t: t, base: old.url, key: key.APIKey}, {t: t, base: cur.url, key: key.APIKey}}
	type track struct{ musicID, audioID string }
	var tracks []track
	for i, c := range clients {
		m, a := c.upload(audio[i], "Rolling "+nodes[i].name)
		tracks = append(tracks, track{m, a})
	}

	type rollTask struct {
		id   string
		node int // the node that took it
		done bool
	}
	var tasks []*rollTask
	var ids []string
	var generates, records [2]int
	start := time.Now()
	for i := 0; time.Since(start) < rollingTraffic; i++ {
		n, tr := i%2, tracks[(i/2)%2] // each node gets tasks of both nodes' tracks
		hook := "/ok"
		if i%3 == 2 {
			hook = "/retry"
		}
		id := clients[n].generate(tr.musicID, tr.audioID, rcv.URL+hook, fmt.Sprintf("Rolling %d", i))
		generates[n]++
		tasks = append(tasks, &rollTask{id: id, node: n})
		ids = append(ids, id)
		for next := time.Now().Add(rollingEvery); time.Now().Before(next); time.Sleep(250 * time.Millisecond) {
			for _, tk := range tasks {
				if tk.done {
					continue
				}
				other := 1 - tk.node // record-info from the node that did not take it
				r := clients[other].record(tk.id)
				records[other]++
				if r.failed() {
					t.Fatalf("task %s (taken by the %s node) failed: %s", tk.id, nodes[tk.node].name, r)
				}
				tk.done = r.SuccessFlag == "SUCCESS" && r.delivered()
			}
		}
	}
	traffic := time.Since(start)
	var pending int
	for _, tk := range tasks {
		if !tk.done {
			pending++
		}
	}
	rendering := old.renderingNow(ids...)

	// The rolling upgrade's last step: the old node goes.
	old.stop(t)
	lb.set(cur)
	stopped := time.Now()
	waitFor(t, 2*time.Minute, "every task to be called back", func() bool {
		for _, id := range ids {
			if rcv.of(id).accepted == 0 {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		waitFor(t, 30*time.Second, id+"'s delivery to be recorded", func() bool {
			r := clients[1].record(id)
			if r.failed() {
				t.Fatalf("task %s failed: %s", id, r)
			}
			return r.SuccessFlag == "SUCCESS" && r.delivered()
		})
	}
	drained := time.Since(stopped)
	time.Sleep(3 * time.Second) // longer than a retry's delay: a second delivery would show
	rcv.checkOnce(t, ids)

	var refused, videoBytes int
	for _, id := range ids {
		d := rcv.of(id)
		refused += d.refused
		if d.event != nil && d.event.Data.VideoURL != nil {
			if !strings.HasPrefix(*d.event.Data.VideoURL, lb.URL+"/") {
				t.Errorf("task %s: link %s, want one through the load balancer %s", id, *d.event.Data.VideoURL, lb.URL)
			}
			videoBytes += checkVideo(t, *d.event.Data.VideoURL)
		}
	}
	var rendered, delivered [2]map[string]int
	for i, n := range nodes {
		rendered[i], delivered[i] = n.tasks("rendered"), n.tasks("callback delivered")
		if len(rendered[i]) == 0 {
			t.Errorf("the %s node rendered nothing in %v of traffic", n.name, traffic.Round(time.Second))
		}
		for _, l := range n.errorLines() {
			t.Errorf("the %s node logged an error: %s", n.name, l)
		}
	}
	for _, id := range ids {
		if n := rendered[0][id] + rendered[1][id]; n != 1 {
			t.Errorf("task %s: rendered %d times (old %d, new %d), want once", id, n, rendered[0][id], rendered[1][id])
		}
	}
	t.Logf("%v of traffic on the old (%s) and the new node: %d tasks, generate %d on old and %d on new, "+
		"record-info %d on old and %d on new for the other's tasks; renders %d on old, %d on new; "+
		"callbacks delivered %d by old, %d by new, %d first deliveries refused and retried",
		traffic.Round(time.Millisecond), oldRelease[:7], len(ids), generates[0], generates[1], records[0], records[1],
		len(rendered[0]), len(rendered[1]), len(delivered[0]), len(delivered[1]), refused)
	t.Logf("at the old node's SIGTERM: %d tasks unfinished, %d rendering on it (%d interrupted); the new node finished them in %v; "+
		"every task SUCCESS, called back once with one webhook-id; %d links through the load balancer serve %d bytes of MP4",
		pending, len(rendering), len(old.tasks("render interrupted by shutdown; requeued")), drained.Round(time.Millisecond),
		len(ids), videoBytes)
	cur.stop(t)
}
