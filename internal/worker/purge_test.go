package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/blob/s3"
	"github.com/mvgen/mvgen/internal/blob/s3/s3test"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/worker"
)

// TestPurge deletes a file once every task sharing it is past retention,
// and not before.
func TestPurge(t *testing.T) {
	t.Parallel()
	t.Run("dir", func(t *testing.T) {
		t.Parallel()
		testPurge(t, &blob.Dir{Root: filepath.Join(t.TempDir(), "files")})
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		blobs, err := s3.Open(context.Background(), s3test.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		testPurge(t, blobs)
	})
}

func testPurge(t *testing.T, blobs blob.Store) {
	ctx := context.Background()
	dir := t.TempDir()
	opened, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(opened.QueueDriver(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewStore(opened, q)
	defer db.Close()
	k := &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}
	if err := db.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	completed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"old", "new"} {
		tk := &mvgen.Task{ID: name, KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
			RenderKey: "rk-" + name, WebhookID: "w", CreatedAt: completed}
		if _, err := db.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		key := "videos/" + name + ".mp4"
		for _, k := range []string{key, mvgen.PosterKey(key)} { // the video and its poster
			if _, err := blobs.Put(ctx, k, strings.NewReader("file"), 0); err != nil {
				t.Fatal(err)
			}
		}
		at := completed
		if name == "new" {
			at = completed.Add(10 * 24 * time.Hour)
		}
		if _, err := db.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: key,
			CompletedAt: at, ExpiresAt: at.Add(14 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	w := &worker.Purge{Store: db, Blobs: blobs, Retention: 15 * 24 * time.Hour, LinkValidity: 14 * 24 * time.Hour,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return completed.Add(15*24*time.Hour + time.Minute) }}
	if err := w.Work(ctx); err != nil {
		t.Fatalf("Work: %v", err)
	}
	for _, key := range []string{"videos/old.mp4", "videos/old.jpg"} {
		if _, err := blobs.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s past retention is still there: %v", key, err)
		}
	}
	for _, key := range []string{"videos/new.mp4", "videos/new.jpg"} {
		if o, err := blobs.Open(ctx, key); err != nil {
			t.Errorf("%s within retention was deleted: %v", key, err)
		} else {
			o.Close()
		}
	}
}
