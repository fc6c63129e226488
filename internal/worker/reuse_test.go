package worker

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
)

// TestReuseChecksSize: an identical render is reused only while its stored
// file has the size recorded when its task finished; a file cut short (as
// a power loss can leave one) or emptied is rendered again.
func TestReuseChecksSize(t *testing.T) {
	t.Parallel()
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
	blobs := &blob.Dir{Root: filepath.Join(dir, "files")}
	if err := db.CreateKey(ctx, &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	first := &mvgen.Task{ID: mvgen.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
		RenderKey: "rk", WebhookID: "w", CreatedAt: time.Now()}
	if _, err := db.CreateTask(ctx, first); err != nil {
		t.Fatal(err)
	}
	video := bytes.Repeat([]byte("v"), 1000)
	key := "videos/rk-" + first.ID + ".mp4"
	if _, err := blobs.Put(ctx, key, bytes.NewReader(video), 1<<20); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := db.FinishTask(ctx, first.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: key,
		VideoSize: int64(len(video)), CompletedAt: now, ExpiresAt: now.Add(14 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	w := &Render{Store: db, Blobs: blobs, Logger: slog.New(slog.DiscardHandler)}
	again := &mvgen.Task{ID: mvgen.NewID(), RenderKey: "rk"}

	for _, tc := range []struct {
		name    string
		content []byte
		want    bool
	}{
		{"whole", video, true},
		{"cut short", video[:400], false},
		{"empty", nil, false},
		{"whole again", video, true},
	} {
		if _, err := blobs.Put(ctx, key, bytes.NewReader(tc.content), 1<<20); err != nil {
			t.Fatal(err)
		}
		v, ok := w.reusableVideo(ctx, again.RenderKey)
		if ok != tc.want {
			t.Errorf("%s file (%d bytes): reusable = %v, want %v", tc.name, len(tc.content), ok, tc.want)
		}
		if ok && v.Size != int64(len(video)) {
			t.Errorf("%s: reused video records size %d, want %d", tc.name, v.Size, len(video))
		}
	}
}
