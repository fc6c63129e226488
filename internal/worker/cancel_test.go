package worker_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/render"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/worker"
	"github.com/mvgen/mvgen/webhook"
)

// counting counts what a render reads of its task and track, and tells of
// its progress writes.
type counting struct {
	worker.Store
	mu              sync.Mutex
	tasks, tracks   int
	progress        int
	progressWritten chan struct{} // receives at each progress write
}

func (c *counting) Task(ctx context.Context, keyID, id string) (*mvgen.Task, error) {
	c.mu.Lock()
	c.tasks++
	c.mu.Unlock()
	return c.Store.Task(ctx, keyID, id)
}

func (c *counting) Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error) {
	c.mu.Lock()
	c.tracks++
	c.mu.Unlock()
	return c.Store.Track(ctx, keyID, musicTaskID, audioID)
}

func (c *counting) SetProgress(ctx context.Context, id string, progress int) error {
	c.mu.Lock()
	c.progress++
	c.mu.Unlock()
	select {
	case c.progressWritten <- struct{}{}:
	default:
	}
	return c.Store.SetProgress(ctx, id, progress)
}

// workQueue is a node's job queue, whatever its database.
type workQueue interface {
	delivery.Queue
	Handle(w queue.Workers)
	Start(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// cancelNodes are where a cancel is asked (api: its store and queue, as an
// API-only node has them) and where the render runs (work).
type cancelNodes struct {
	api       store.Store
	apiQueue  workQueue
	work      store.Store
	workQueue workQueue
}

// TestCancelStopsRender: a task cancelled while it renders has its render
// stopped within moments, through the queue, with no video stored; the
// render read its task and its track once each and never polled the task
// while it rendered. On PostgreSQL the cancel is asked on one node (an
// API-only one, its queue not started) and stops the render on another.
func TestCancelStopsRender(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("needs ffmpeg (make deps installs it)")
	}
	t.Parallel()
	audio := filepath.Join(t.TempDir(), "tone.wav")
	// Long enough to still be rendering seconds after it starts on any
	// machine (a 3-minute tone renders in about 7 s on two cores).
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=180",
		"-ac", "2", audio).CombinedOutput(); err != nil {
		t.Fatalf("making test audio: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name string
		open func(t *testing.T) cancelNodes
	}{
		{"sqlite", openSQLiteNode},
		{"postgres, two nodes", openPostgresNodes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cancelStopsRender(t, tc.open(t), audio)
		})
	}
}

func openSQLiteNode(t *testing.T) cancelNodes {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := queue.New(db.QueueDriver(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := sqlite.NewStore(db, q)
	return cancelNodes{api: s, apiQueue: q, work: s, workQueue: q}
}

func openPostgresNodes(t *testing.T) cancelNodes {
	dsn := pgtest.DSN(t)
	var n cancelNodes
	for i, node := range []string{"api", "work"} {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		q, err := queue.New(db.QueueDriver(), queue.Config{Node: node})
		if err != nil {
			t.Fatal(err)
		}
		s := postgres.NewStore(db, q)
		if i == 0 {
			n.api, n.apiQueue = s, q
		} else {
			n.work, n.workQueue = s, q
		}
	}
	return n
}

func cancelStopsRender(t *testing.T, n cancelNodes, audio string) {
	ctx := context.Background()
	dir := t.TempDir()
	blobs := &blob.Dir{Root: filepath.Join(dir, "files")}
	if err := blobs.PutFile(ctx, "sources/a/audio", copyFile(t, audio, filepath.Join(dir, "audio"))); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := n.api.CreateKey(ctx, &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := n.api.CreateTrack(ctx, &mvgen.Track{MusicTaskID: "m", ID: "a", KeyID: "k", Title: "cancel me",
		AudioKey: "sources/a/audio", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}

	log := slog.New(slog.DiscardHandler)
	reads := &counting{Store: n.work, progressWritten: make(chan struct{}, 1)}
	tempDir := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tempDir, 0o700); err != nil {
		t.Fatal(err)
	}
	renders := &worker.Render{Store: reads, Blobs: blobs, Renderer: &render.Renderer{TempDir: tempDir},
		TempDir: tempDir, LinkValidity: time.Hour, Finisher: &delivery.Worker{Store: n.work, Queue: n.workQueue, Logger: log},
		Logger: log}
	type result struct {
		err error
		at  time.Time
	}
	worked := make(chan result, 1)
	n.workQueue.Handle(queue.Workers{Render: func(ctx context.Context, run jobs.Run, taskID string) error {
		err := renders.Work(ctx, run, taskID)
		worked <- result{err, time.Now()}
		return err
	}})
	if err := n.workQueue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		n.workQueue.StopAndCancel(stopCtx)
	})

	task := &mvgen.Task{ID: mvgen.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
		RenderKey: "rk", WebhookID: "w", CreatedAt: now}
	if _, err := n.api.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	// Two progress writes: the render has run two seconds and more, as
	// long as the old progress writer took to read the task twice.
	for range 2 {
		select {
		case <-reads.progressWritten:
		case r := <-worked:
			t.Fatalf("the render ended (%v) before it was cancelled", r.err)
		case <-time.After(2 * time.Minute):
			t.Fatal("the render never reported progress")
		}
	}

	canceller := &delivery.Worker{Store: n.api, Queue: n.apiQueue, Logger: log}
	if err := canceller.Cancel(ctx, task, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: webhook.CodeBadSource,
		ErrorMessage: "Task cancelled by the caller", CompletedAt: time.Now().UTC()}); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	cancelled := time.Now()
	var r result
	select {
	case r = <-worked:
	case <-time.After(30 * time.Second):
		t.Fatal("the render still runs 30 s after its task was cancelled")
	}
	took := r.at.Sub(cancelled)
	t.Logf("render stopped %v after the cancel returned", took.Round(time.Millisecond))
	if r.err != nil {
		t.Errorf("Work after the cancel = %v, want nil (the task has ended)", r.err)
	}
	// It takes milliseconds (the render's own stop about 100 ms more); the
	// margin is for a loaded machine. River's fallback for a missed
	// notification polls every minute: on PostgreSQL the signal crossed
	// nodes.
	if took > 5*time.Second {
		t.Errorf("the render stopped %v after the cancel, want within moments", took)
	}

	reads.mu.Lock()
	tasks, tracks, progress := reads.tasks, reads.tracks, reads.progress
	reads.mu.Unlock()
	if tasks != 1 || tracks != 1 {
		t.Errorf("the render read its task %d times and its track %d times, want once each", tasks, tracks)
	}
	if limit := int(r.at.Sub(now)/time.Second) + 1; progress > limit {
		t.Errorf("%d progress writes in %v, want at most one a second", progress, r.at.Sub(now))
	}
	got, err := n.api.Task(ctx, "", task.ID)
	if err != nil || got.Status != mvgen.StatusRenderFailed || got.VideoKey != "" {
		t.Errorf("task after the cancel = %+v, %v; want the cancel's failure and no video", got, err)
	}
	if videos, _ := filepath.Glob(filepath.Join(dir, "files", "videos", "*")); len(videos) != 0 {
		t.Errorf("a cancelled render stored %v", videos)
	}
	if left, _ := os.ReadDir(tempDir); len(left) != 0 {
		t.Errorf("the render left %d entries in its temporary directory", len(left))
	}
}

func copyFile(t *testing.T, from, to string) string {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return to
}
