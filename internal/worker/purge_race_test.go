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
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/worker"
)

// purgeEnv is a SQLite store with one key and a directory of files.
type purgeEnv struct {
	db    *sqlite.Store
	blobs *blob.Dir
}

func newPurgeEnv(t *testing.T) *purgeEnv {
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
	return &purgeEnv{db: db, blobs: &blob.Dir{Root: filepath.Join(t.TempDir(), "files")}}
}

// rendered stores a task of render key rk finished at completed with its
// own file, as the render worker names it.
func (e *purgeEnv) rendered(t *testing.T, id, rk string, completed time.Time) string {
	ctx := context.Background()
	tk := &mvgen.Task{ID: id, KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
		RenderKey: rk, WebhookID: "w-" + id, CreatedAt: completed}
	if _, err := e.db.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	key := "videos/" + rk + "-" + id + ".mp4"
	if _, err := e.blobs.Put(ctx, key, strings.NewReader("mp4 of "+id), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.FinishTask(ctx, id, store.Result{Status: mvgen.StatusSuccess, VideoKey: key,
		CompletedAt: completed, ExpiresAt: completed.Add(14 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return key
}

func (e *purgeEnv) exists(key string) bool {
	o, err := e.blobs.Open(context.Background(), key)
	if err == nil {
		o.Close()
	}
	return err == nil
}

// hooked runs before each ExpiredVideos answer returns: the moment between
// the purge's listing and its deletes.
type hooked struct {
	*sqlite.Store
	afterList func()
}

func (h hooked) ExpiredVideos(ctx context.Context, cutoff time.Time, limit int) ([]*store.Video, error) {
	vs, err := h.Store.ExpiredVideos(ctx, cutoff, limit)
	if h.afterList != nil && len(vs) > 0 {
		h.afterList()
	}
	return vs, err
}

// failingDeletes fails the deletes of the keys in fail.
type failingDeletes struct {
	blob.Store
	fail map[string]bool
}

func (f failingDeletes) Delete(ctx context.Context, key string) error {
	if f.fail[key] {
		return errors.New("storage unavailable")
	}
	return f.Store.Delete(ctx, key)
}

var completed = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func purgeAt(s worker.Purger, blobs blob.Store, now time.Time) *worker.Purge {
	return &worker.Purge{Store: s, Blobs: blobs, Retention: 15 * 24 * time.Hour, LinkValidity: 14 * 24 * time.Hour,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
}

// TestPurgeRacesReRender: an identical render committed between the purge's
// listing and its delete keeps its file and its video row (issue 11.6).
func TestPurgeRacesReRender(t *testing.T) {
	t.Parallel()
	e := newPurgeEnv(t)
	oldKey := e.rendered(t, "old", "rk", completed)
	now := completed.Add(15*24*time.Hour + time.Minute)
	var newKey string
	s := hooked{Store: e.db, afterList: func() {
		if newKey == "" {
			newKey = e.rendered(t, "again", "rk", now)
		}
	}}
	if err := purgeAt(s, e.blobs, now).Work(context.Background()); err != nil {
		t.Fatalf("Work: %v", err)
	}
	if e.exists(oldKey) {
		t.Errorf("the expired file %s is still there", oldKey)
	}
	if !e.exists(newKey) {
		t.Errorf("the re-render's file %s was deleted", newKey)
	}
	v, err := e.db.Video(context.Background(), "rk")
	if err != nil || v.Purged || v.BlobKey != newKey {
		t.Errorf("video row after the purge = %+v, %v; want the re-render's, not purged", v, err)
	}
}

// TestPurgeFailedDelete: a delete that fails leaves its row unmarked, and
// the next run deletes the file and marks it.
func TestPurgeFailedDelete(t *testing.T) {
	t.Parallel()
	e := newPurgeEnv(t)
	key := e.rendered(t, "old", "rk", completed)
	other := e.rendered(t, "other", "rk2", completed)
	now := completed.Add(15*24*time.Hour + time.Minute)
	broken := failingDeletes{Store: e.blobs, fail: map[string]bool{key: true}}
	if err := purgeAt(e.db, broken, now).Work(context.Background()); err == nil || !strings.Contains(err.Error(), key) {
		t.Errorf("Work with a failing delete = %v, want an error naming %s", err, key)
	}
	if v, _ := e.db.Video(context.Background(), "rk"); v.Purged {
		t.Errorf("the row of a file whose delete failed was marked purged")
	}
	if v, _ := e.db.Video(context.Background(), "rk2"); !v.Purged || e.exists(other) {
		t.Errorf("the other video: purged %v, file exists %v; want purged and gone", v.Purged, e.exists(other))
	}
	if err := purgeAt(e.db, e.blobs, now).Work(context.Background()); err != nil {
		t.Fatalf("second Work: %v", err)
	}
	if v, _ := e.db.Video(context.Background(), "rk"); !v.Purged || e.exists(key) {
		t.Errorf("after the second run: purged %v, file exists %v; want purged and gone", v.Purged, e.exists(key))
	}
}

// TestPurgeSources: uploaded sources past SourceRetention are deleted unless
// a pending task needs them; a failed delete is tried again next run.
func TestPurgeSources(t *testing.T) {
	t.Parallel()
	e := newPurgeEnv(t)
	ctx := context.Background()
	upload := func(id string, created time.Time) string {
		key := "sources/" + id + "/audio"
		if _, err := e.blobs.Put(ctx, key, strings.NewReader("audio"), 0); err != nil {
			t.Fatal(err)
		}
		if err := e.db.CreateTrack(ctx, &mvgen.Track{KeyID: "k", MusicTaskID: "m-" + id, ID: id, AudioKey: key, CreatedAt: created}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	old, busy, recent := upload("old", completed), upload("busy", completed), upload("recent", completed.Add(20*24*time.Hour))
	if _, err := e.db.CreateTask(ctx, &mvgen.Task{ID: "pending", KeyID: "k", MusicTaskID: "m-busy", AudioID: "busy",
		Status: mvgen.StatusPending, RenderKey: "rk", WebhookID: "w", CreatedAt: completed}); err != nil {
		t.Fatal(err)
	}
	now := completed.Add(31 * 24 * time.Hour)
	p := purgeAt(e.db, failingDeletes{Store: e.blobs, fail: map[string]bool{old: true}}, now)
	p.SourceRetention = 30 * 24 * time.Hour
	if err := p.Work(ctx); err == nil {
		t.Errorf("Work with a failing delete = nil, want its error")
	}
	if tr, _ := e.db.Track(ctx, "k", "m-old", "old"); !tr.SourcesPurged {
		t.Errorf("an expired track is not marked purged")
	}
	p.Blobs = e.blobs
	if err := p.Work(ctx); err != nil {
		t.Fatalf("Work: %v", err)
	}
	for key, want := range map[string]bool{old: false, busy: true, recent: true} {
		if got := e.exists(key); got != want {
			t.Errorf("%s exists = %v, want %v", key, got, want)
		}
	}
}
