package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
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
	db := purgeStore(t)
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

// TestPurgeKit: a kit's videos are purged with their posters and caption
// files, every rendition's as rendition 0's.
func TestPurgeKit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	blobs := &blob.Dir{Root: filepath.Join(t.TempDir(), "files")}
	db := purgeStore(t)
	completed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tk := &mvgen.Task{ID: "kit", KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
		RenderKey: "rk-0", WebhookID: "w", CreatedAt: completed, Renditions: []mvgen.Rendition{
			{Index: 1, Aspect: "9:16", RenderKey: "rk-1"},
			{Index: 2, Aspect: "9:16", RenderKey: "rk-2", Clip: &mvgen.Clip{Auto: true, Duration: 30 * time.Second}}}}
	if _, err := db.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	r := store.Result{Status: mvgen.StatusSuccess, VideoKey: "videos/rk-0-kit.mp4", Captions: mvgen.CaptionsStored,
		CompletedAt: completed, ExpiresAt: completed.Add(14 * 24 * time.Hour)}
	keys := []string{r.VideoKey}
	for _, rd := range tk.Renditions {
		v := store.RenditionResult{Index: rd.Index, VideoKey: "videos/" + rd.RenderKey + "-kit-" + strconv.Itoa(rd.Index) + ".mp4",
			Captions: mvgen.CaptionsStored}
		r.Renditions = append(r.Renditions, v)
		keys = append(keys, v.VideoKey)
	}
	var files []string
	for _, key := range keys {
		files = append(files, key, mvgen.PosterKey(key))
		files = append(files, mvgen.CaptionKeys(key)...)
	}
	for _, f := range files {
		if _, err := blobs.Put(ctx, f, strings.NewReader("file"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.FinishTask(ctx, tk.ID, r); err != nil {
		t.Fatal(err)
	}
	w := &worker.Purge{Store: db, Blobs: blobs, Retention: 15 * 24 * time.Hour, LinkValidity: 14 * 24 * time.Hour,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return completed.Add(15*24*time.Hour + time.Minute) }}
	if err := w.Work(ctx); err != nil {
		t.Fatalf("Work: %v", err)
	}
	for _, f := range files {
		if _, err := blobs.Open(ctx, f); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s past retention is still there: %v", f, err)
		}
	}
}

// purgeStore opens a SQLite store in a temporary directory, closed when
// the test ends, with one API key, "k", for the purge tests' tasks.
func purgeStore(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	opened, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(opened.QueueDriver(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewStore(opened, q)
	t.Cleanup(func() { db.Close() })
	k := &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}
	if err := db.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	return db
}
