// Package storetest is the one test suite every store driver passes, on a
// real database: call Run from the driver's own tests. It checks that the
// jobs a write makes due are queued in the same transaction through the
// queue the driver is given; the queue's own operations are the suite
// internal/queue/queuetest, which every driver runs too.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/store"
)

// Queue is what the suite reads of the queue the store inserts into
// (internal/queue's Queue).
type Queue interface {
	Jobs(ctx context.Context, taskID string) ([]jobs.Queued, error)
	RetryNow(ctx context.Context, id int64) error
}

// Env is a new, empty, migrated store with its queue; the suite closes the
// store.
type Env struct {
	Store store.Store
	Queue Queue
	// DB is the database under Store, for the cases that play an older
	// binary or reopen the database.
	DB DB
}

// DB is a driver's database below the store.
type DB interface {
	// Exec runs statements without arguments, as a migration does.
	Exec(ctx context.Context, query string) error
	// Dump is every row of table as a dump of the database shows it,
	// bytes as they are stored.
	Dump(ctx context.Context, table string) (string, error)
	// Reopen opens another store (without a queue) on the database,
	// migrating it as the driver does at start, with its secrets sealed
	// with key (sqlstore.SealWith; nil: plain text). The suite closes it.
	Reopen(ctx context.Context, key *seal.Key) (Sealing, error)
}

// Sealing is a driver's store with the step that brings stored secrets
// under its key (sqlstore's SealSecrets).
type Sealing interface {
	store.Store
	SealSecrets(ctx context.Context, previous ...*seal.Key) (store.SealReport, error)
}

// Opener returns a new Env.
type Opener func(t *testing.T) Env

// Run runs the suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, q Queue)
	}{
		{"Keys", testKeys},
		{"Tracks", testTracks},
		{"TaskScopedToKey", testTaskScopedToKey},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"FinishTaskOnce", testFinishTaskOnce},
		{"FinishTaskCaptions", testFinishTaskCaptions},
		{"VideosShareAndPurge", testVideos},
		{"SetStatus", testSetStatus},
		{"Attempts", testAttempts},
		{"Secret", testSecret},
		{"CountPending", testCountPending},
		{"Renditions", testRenditions}, // renditions.go
		{"ListTasks", testListTasks},   // list.go
		{"Upstream", testUpstream},     // upstream.go
		{"Fetch", testFetch},           // fetch.go
		{"SourceRetention", testSourceRetention},
		{"ListTracks", testListTracks},   // catalogue.go
		{"DeleteTrack", testDeleteTrack}, // catalogue.go
		{"TaskCounts", testTaskCounts},   // catalogue.go
		{"Brand", testBrand},             // brand.go
		{"BrandLogoSnapshot", testBrandLogoSnapshot},
		{"BrandLogoRace", testBrandLogoRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := open(t)
			t.Cleanup(func() { env.Store.Close() })
			tt.fn(t, env.Store, env.Queue)
		})
	}
	// Cases on the database below the store.
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, env Env)
	}{
		{"SyncedLyrics", testSyncedLyrics},         // lyrics.go
		{"SealedSecrets", testSealedSecrets},       // secrets.go
		{"SealWrongKey", testSealWrongKey},         // secrets.go
		{"Reseal", testReseal},                     // secrets.go
		{"SealConcurrently", testSealConcurrently}, // secrets.go
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := open(t)
			t.Cleanup(func() { env.Store.Close() })
			tt.fn(t, env)
		})
	}
}

// now is a fixed instant, truncated to what every driver stores.
var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func newKey(t *testing.T, s store.Store, name string) *mvgen.Key {
	t.Helper()
	k := &mvgen.Key{ID: mvgen.NewID(), Name: name, TokenHash: []byte(mvgen.NewID()),
		WebhookSecret: "whsec_" + name, CreatedAt: now}
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return k
}

func newTask(k *mvgen.Key) *mvgen.Task {
	return &mvgen.Task{ID: mvgen.NewID(), KeyID: k.ID, MusicTaskID: "m1", AudioID: "a1",
		CallbackURL: "https://example.com/cb", Author: "周杰倫", DomainName: "example.com", RequestID: "req-1",
		Status: mvgen.StatusPending, RenderKey: "rk-" + mvgen.NewID(), WebhookID: "msg_" + mvgen.NewID(),
		CreatedAt: now}
}

func testKeys(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	a := newKey(t, s, "alice")
	newKey(t, s, "bob")

	got, err := s.KeyByTokenHash(ctx, a.TokenHash)
	if err != nil {
		t.Fatalf("KeyByTokenHash: %v", err)
	}
	if got.ID != a.ID || got.Name != "alice" || got.WebhookSecret != a.WebhookSecret || !got.CreatedAt.Equal(now) {
		t.Errorf("KeyByTokenHash = %+v, want %+v", got, a)
	}
	if _, err := s.KeyByTokenHash(ctx, []byte("nope")); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
	keys, err := s.Keys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys = %d keys, %v; want 2", len(keys), err)
	}
	if err := s.RevokeKey(ctx, a.ID, now.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	if got, _ := s.Key(ctx, a.ID); !got.Revoked() {
		t.Errorf("after RevokeKey: Revoked() = false, want true")
	}
	if err := s.RevokeKey(ctx, "missing", now); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("RevokeKey(missing) = %v, want ErrNotFound", err)
	}

	until := now.Add(24 * time.Hour)
	if err := s.RotateSecret(ctx, a.ID, "whsec_new", until); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	got, _ = s.Key(ctx, a.ID)
	if got.WebhookSecret != "whsec_new" || got.PrevWebhookSecret != "whsec_alice" || !got.PrevSecretUntil.Equal(until) {
		t.Errorf("after RotateSecret: secret %q prev %q until %v", got.WebhookSecret, got.PrevWebhookSecret, got.PrevSecretUntil)
	}
}

func testTracks(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	for i, id := range []string{"t2", "t1"} {
		tr := &mvgen.Track{KeyID: a.ID, MusicTaskID: "music", ID: id, MusicIndex: 1 - i,
			Title: "Título «" + id + "»", AudioKey: "audio/" + id, CreatedAt: now,
			Lyrics: "[00:01.00]歌詞 " + id + "\n", LyricsFormat: "lrc", SyncedLyrics: true}
		if err := s.CreateTrack(ctx, tr); err != nil {
			t.Fatalf("CreateTrack: %v", err)
		}
	}
	if err := s.CreateTrack(ctx, &mvgen.Track{KeyID: a.ID, MusicTaskID: "music", ID: "t1", CreatedAt: now}); err == nil {
		t.Errorf("CreateTrack with a duplicate id: got nil error, want one")
	}
	tracks, err := s.Tracks(ctx, a.ID, "music")
	if err != nil {
		t.Fatalf("Tracks: %v", err)
	}
	if len(tracks) != 2 || tracks[0].ID != "t1" || tracks[1].ID != "t2" {
		t.Fatalf("Tracks = %v, want t1, t2 in musicIndex order", tracks)
	}
	// A list leaves the lyrics out; one track has them.
	if tracks[0].Title != "Título «t1»" || tracks[0].AudioKey != "audio/t1" || tracks[0].Lyrics != "" ||
		tracks[0].LyricsFormat != "lrc" || !tracks[0].HasLyrics() || !tracks[0].SyncedLyrics {
		t.Errorf("listed track fields = %+v", tracks[0])
	}
	if one, err := s.Track(ctx, a.ID, "music", "t1"); err != nil || one.Lyrics != "[00:01.00]歌詞 t1\n" ||
		one.LyricsFormat != "lrc" || !one.SyncedLyrics {
		t.Errorf("Track = %+v, %v; want it with its lyrics", one, err)
	}
	if _, err := s.Track(ctx, b.ID, "music", "t1"); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("another key's track: got %v, want ErrNotFound", err)
	}
	if got, _ := s.Tracks(ctx, b.ID, "music"); len(got) != 0 {
		t.Errorf("another key's Tracks = %d, want 0", len(got))
	}
}

func testTaskScopedToKey(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	tk := newTask(a)
	tk.Resolution, tk.NoLyrics, tk.FPS, tk.AccentColor, tk.Theme = "1080p", true, 60, "#ff8800", "bars"
	tk.FullFrame, tk.EmbedCaptions = true, true
	tk.Dialect, tk.Param = mvgen.DialectJobs, `{"model":"ai-music-api/create-music-video","input":{"task_id":"m1"}}`
	got, err := s.CreateTask(ctx, tk)
	if err != nil || got.ID != tk.ID {
		t.Fatalf("CreateTask = %v, %v", got, err)
	}
	queued := jobsOf(t, q, tk.ID)
	if len(queued) != 1 || queued[0].Kind != jobs.KindRender || queued[0].State != "available" ||
		queued[0].MaxAttempts != jobs.RenderMaxAttempts {
		t.Errorf("jobs after CreateTask = %+v, want one available render job", queued)
	}
	if _, err := s.Task(ctx, b.ID, tk.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("another key's task: got %v, want ErrNotFound", err)
	}
	for _, key := range []string{a.ID, ""} {
		got, err := s.Task(ctx, key, tk.ID)
		if err != nil {
			t.Fatalf("Task(%q): %v", key, err)
		}
		if got.Author != "周杰倫" || got.Status != mvgen.StatusPending || got.WebhookID != tk.WebhookID || !got.CreatedAt.Equal(now) ||
			got.Resolution != "1080p" || !got.NoLyrics || got.FPS != 60 || got.AccentColor != "#ff8800" || got.Theme != "bars" || got.RequestID != "req-1" ||
			!got.FullFrame || !got.EmbedCaptions || got.Dialect != mvgen.DialectJobs || got.Param != tk.Param {
			t.Errorf("Task(%q) = %+v, want %+v", key, got, tk)
		}
	}
	if err := s.SetProgress(ctx, tk.ID, 42); err != nil {
		t.Fatalf("SetProgress: %v", err)
	}
	if got, _ := s.Task(ctx, "", tk.ID); got.Progress != 42 {
		t.Errorf("Progress = %d, want 42", got.Progress)
	}
}

func testIdempotency(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	first := newTask(a)
	first.IdempotencyKey, first.RequestHash = "retry-1", "hash-A"
	if _, err := s.CreateTask(ctx, first); err != nil {
		t.Fatal(err)
	}

	again := newTask(a)
	again.IdempotencyKey, again.RequestHash = "retry-1", "hash-A"
	again.CreatedAt = now.Add(time.Hour)
	got, err := s.CreateTask(ctx, again)
	if err != nil || got.ID != first.ID {
		t.Errorf("same key and body: got %v, %v; want the original task %s", got, err, first.ID)
	}
	if _, err := s.Task(ctx, "", again.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("a replay stored a second task: Task = %v", err)
	}
	if n := len(jobsOf(t, q, first.ID)) + len(jobsOf(t, q, again.ID)); n != 1 {
		t.Errorf("a replay queued another job: %d render jobs, want 1", n)
	}

	other := newTask(a)
	other.IdempotencyKey, other.RequestHash = "retry-1", "hash-B"
	if _, err := s.CreateTask(ctx, other); !errors.Is(err, store.ErrIdempotencyConflict) {
		t.Errorf("same key, other body: got %v, want ErrIdempotencyConflict", err)
	}

	otherKey := newTask(b)
	otherKey.IdempotencyKey, otherKey.RequestHash = "retry-1", "hash-B"
	if got, err := s.CreateTask(ctx, otherKey); err != nil || got.ID != otherKey.ID {
		t.Errorf("same idempotency key under another API key: got %v, %v; want a new task", got, err)
	}

	late := newTask(a)
	late.IdempotencyKey, late.RequestHash = "retry-1", "hash-B"
	late.CreatedAt = now.Add(store.IdempotencyWindow + time.Minute)
	if got, err := s.CreateTask(ctx, late); err != nil || got.ID != late.ID {
		t.Errorf("after the window: got %v, %v; want a new task", got, err)
	}
}

// testFinishTaskCaptions: a finished task keeps what its video has of
// caption files, and its length, which the shared render keeps too.
func testFinishTaskCaptions(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	for _, c := range []string{mvgen.CaptionsStored, mvgen.CaptionsUntimed, mvgen.CaptionsNone} {
		tk := newTask(k)
		if _, err := s.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		r := store.Result{Status: mvgen.StatusSuccess, VideoKey: "videos/" + tk.ID + ".mp4", VideoSize: 10, Captions: c,
			Duration: 183456 * time.Millisecond, CompletedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := s.FinishTask(ctx, tk.ID, r); err != nil {
			t.Fatalf("FinishTask: %v", err)
		}
		if got, err := s.Task(ctx, "", tk.ID); err != nil || got.Captions != c || got.Duration != r.Duration {
			t.Errorf("after FinishTask: Captions %q, Duration %v (%v), want %q, %v", got.Captions, got.Duration, err, c, r.Duration)
		}
		if v, err := s.Video(ctx, tk.RenderKey); err != nil || v.Duration != r.Duration {
			t.Errorf("the shared render's Duration = %v (%v), want %v", v.Duration, err, r.Duration)
		}
	}
}

func testFinishTaskOnce(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	tk := newTask(k)
	if _, err := s.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	r := store.Result{Status: mvgen.StatusCreateFailed, ErrorCode: 451, ErrorMessage: "Source audio file download failed",
		CompletedAt: now.Add(time.Minute)}
	runAt := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	ids, err := s.FinishTask(ctx, tk.ID, r, jobs.Callback(tk.ID, 1, runAt))
	if err != nil {
		t.Fatalf("FinishTask: %v", err)
	}
	if len(ids) != 1 || ids[0] <= 0 {
		t.Fatalf("FinishTask job ids = %v, want one id", ids)
	}
	cb := findJob(t, q, tk.ID, ids[0])
	if cb.Kind != jobs.KindCallback || cb.Delivery != 1 || cb.State != "scheduled" || cb.RunAt.Sub(runAt).Abs() > time.Second {
		t.Errorf("callback job = %+v, want delivery 1 scheduled at %v", cb, runAt)
	}
	if err := q.RetryNow(ctx, ids[0]); err != nil {
		t.Errorf("RetryNow(%d) = %v", ids[0], err)
	}
	if cb := findJob(t, q, tk.ID, ids[0]); cb.State != "available" {
		t.Errorf("after RetryNow: state %s, want available", cb.State)
	}
	got, _ := s.Task(ctx, "", tk.ID)
	if got.Status != mvgen.StatusCreateFailed || got.ErrorCode != 451 || got.ErrorMessage != r.ErrorMessage ||
		!got.CompletedAt.Equal(r.CompletedAt) || got.VideoKey != "" {
		t.Errorf("after FinishTask: %+v", got)
	}
	r.Status = mvgen.StatusSuccess
	if _, err := s.FinishTask(ctx, tk.ID, r); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("second FinishTask: got %v, want ErrNotPending", err)
	}
	if _, err := s.FinishTask(ctx, "missing", r); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("FinishTask(missing): got %v, want ErrNotPending", err)
	}
}

func testVideos(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	t1, t2 := newTask(k), newTask(k)
	t2.RenderKey = t1.RenderKey
	for _, tk := range []*mvgen.Task{t1, t2} {
		if _, err := s.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	finish := func(id string, completed time.Time) {
		t.Helper()
		_, err := s.FinishTask(ctx, id, store.Result{Status: mvgen.StatusSuccess, VideoKey: "videos/" + t1.RenderKey + ".mp4",
			VideoSize: 123456, CompletedAt: completed, ExpiresAt: completed.Add(14 * 24 * time.Hour)})
		if err != nil {
			t.Fatalf("FinishTask: %v", err)
		}
	}
	finish(t1.ID, now)
	finish(t2.ID, now.Add(48*time.Hour))
	v, err := s.Video(ctx, t1.RenderKey)
	if err != nil {
		t.Fatalf("Video: %v", err)
	}
	if want := now.Add(16 * 24 * time.Hour); !v.ExpiresAt.Equal(want) || v.Purged || v.BlobKey != "videos/"+t1.RenderKey+".mp4" ||
		v.Size != 123456 {
		t.Errorf("shared video = %+v, want expiry %v (the later task's)", v, want)
	}
	if got, _ := s.Task(ctx, "", t1.ID); got.Progress != 100 || got.VideoKey != v.BlobKey {
		t.Errorf("finished task: progress %d video %q", got.Progress, got.VideoKey)
	}

	expired, err := s.ExpiredVideos(ctx, now.Add(15*24*time.Hour), 10)
	if err != nil || len(expired) != 0 {
		t.Errorf("ExpiredVideos before the latest expiry = %v, %v; want none", expired, err)
	}
	cutoff := now.Add(17 * 24 * time.Hour)
	expired, err = s.ExpiredVideos(ctx, cutoff, 10)
	if err != nil || len(expired) != 1 || expired[0].RenderKey != t1.RenderKey {
		t.Fatalf("ExpiredVideos after expiry = %v, %v; want the shared video", expired, err)
	}
	// A re-render of the same render key commits a new file between the
	// listing and the mark: the mark must not take it.
	t3 := newTask(k)
	t3.RenderKey = t1.RenderKey
	if _, err := s.CreateTask(ctx, t3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishTask(ctx, t3.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: "videos/rerendered.mp4",
		CompletedAt: now.Add(20 * 24 * time.Hour), ExpiresAt: now.Add(34 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.MarkPurged(ctx, expired[0], cutoff); err != nil || ok {
		t.Errorf("MarkPurged after a re-render = %v, %v; want false", ok, err)
	}
	if v, _ := s.Video(ctx, t1.RenderKey); v.Purged || v.BlobKey != "videos/rerendered.mp4" {
		t.Errorf("the re-render's video after MarkPurged: %+v, want it unpurged", v)
	}
	later := now.Add(35 * 24 * time.Hour)
	expired, err = s.ExpiredVideos(ctx, later, 10)
	if err != nil || len(expired) != 1 || expired[0].BlobKey != "videos/rerendered.mp4" {
		t.Fatalf("ExpiredVideos later = %v, %v; want the re-render", expired, err)
	}
	if ok, err := s.MarkPurged(ctx, expired[0], later); err != nil || !ok {
		t.Errorf("MarkPurged = %v, %v; want true", ok, err)
	}
	if v, _ := s.Video(ctx, t1.RenderKey); !v.Purged {
		t.Errorf("Video after purge: Purged = false")
	}
	if again, _ := s.ExpiredVideos(ctx, later, 10); len(again) != 0 {
		t.Errorf("ExpiredVideos after the mark returned %d videos again", len(again))
	}
	if _, err := s.Video(ctx, "missing"); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Video(missing) = %v, want ErrNotFound", err)
	}
}

func testSetStatus(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	tk := newTask(k)
	if _, err := s.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SetStatus(ctx, tk.ID, mvgen.StatusSuccess, mvgen.StatusCallbackException); err != nil || ok {
		t.Errorf("SetStatus from the wrong status = %v, %v; want false", ok, err)
	}
	if _, err := s.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusSuccess, CompletedAt: now}); err != nil {
		t.Fatal(err)
	}
	for want := 2; want <= 3; want++ {
		got, id, err := s.Redeliver(ctx, tk.ID, 3, func(d int) jobs.Job { return jobs.Callback(tk.ID, d, time.Time{}) })
		if err != nil || got != want {
			t.Fatalf("Redeliver = %d, %v; want delivery %d", got, err, want)
		}
		if j := findJob(t, q, tk.ID, id); j.Kind != jobs.KindCallback || j.Delivery != want || j.State != "available" {
			t.Errorf("redelivery job = %+v, want delivery %d available", j, want)
		}
	}
	// The cap of 3 deliveries is reached: nothing is numbered or queued.
	before := len(jobsOf(t, q, tk.ID))
	if got, _, err := s.Redeliver(ctx, tk.ID, 3, func(d int) jobs.Job { return jobs.Callback(tk.ID, d, time.Time{}) }); !errors.Is(err, store.ErrDeliveryLimit) {
		t.Errorf("Redeliver past the cap = %d, %v; want ErrDeliveryLimit", got, err)
	}
	if after := len(jobsOf(t, q, tk.ID)); after != before {
		t.Errorf("Redeliver past the cap queued a job: %d jobs, want %d", after, before)
	}
	if got, _, err := s.Redeliver(ctx, tk.ID, 0, func(d int) jobs.Job { return jobs.Callback(tk.ID, d, time.Time{}) }); err != nil || got != 4 {
		t.Errorf("Redeliver without a cap = %d, %v; want delivery 4", got, err)
	}
	if _, _, err := s.Redeliver(ctx, "missing", 3, nil); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Redeliver(missing) = %v, want ErrNotFound", err)
	}
	if ok, err := s.SetStatus(ctx, tk.ID, mvgen.StatusSuccess, mvgen.StatusCallbackException); err != nil || !ok {
		t.Errorf("SetStatus = %v, %v; want true", ok, err)
	}
	if got, _ := s.Task(ctx, "", tk.ID); got.Status != mvgen.StatusCallbackException {
		t.Errorf("status = %s, want CALLBACK_EXCEPTION", got.Status)
	}
}

func testAttempts(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	tk := newTask(k)
	if _, err := s.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	for i, status := range []int{503, 0, 200} {
		a := &mvgen.Attempt{TaskID: tk.ID, Delivery: 1, Attempt: i + 1, At: now.Add(time.Duration(i) * time.Minute),
			Duration: 1500 * time.Microsecond, StatusCode: status, Response: "ok"}
		if status == 503 {
			a.RetryAfter = 90 * time.Second
		}
		if status == 0 {
			a.Error = "connection refused"
		}
		if err := s.AddAttempt(ctx, a); err != nil {
			t.Fatalf("AddAttempt: %v", err)
		}
	}
	got, err := s.Attempts(ctx, tk.ID)
	if err != nil || len(got) != 3 {
		t.Fatalf("Attempts = %d, %v; want 3", len(got), err)
	}
	if got[0].StatusCode != 503 || got[0].RetryAfter != 90*time.Second || got[0].Delivery != 1 ||
		got[1].Error != "connection refused" || got[1].OK() || !got[2].OK() || got[2].Attempt != 3 ||
		got[2].Duration != 1500*time.Microsecond || !got[1].At.Equal(now.Add(time.Minute)) {
		t.Errorf("Attempts = %+v %+v %+v", got[0], got[1], got[2])
	}
}

func testSecret(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	first, err := s.Secret(ctx, "link-key", func() []byte { return []byte("first") })
	if err != nil || string(first) != "first" {
		t.Fatalf("Secret = %q, %v; want the initial value", first, err)
	}
	again, err := s.Secret(ctx, "link-key", func() []byte { return []byte("second") })
	if err != nil || string(again) != "first" {
		t.Errorf("Secret again = %q, %v; want the stored value, not a new one", again, err)
	}
	other, _ := s.Secret(ctx, "other", func() []byte { return []byte("x") })
	if string(other) != "x" {
		t.Errorf("another name = %q, want its own value", other)
	}
}

// testIdempotencyConcurrent: requests racing with one Idempotency-Key store
// one task; the same body gets it back, another body a conflict.
func testIdempotencyConcurrent(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := newTask(k)
			tk.IdempotencyKey, tk.RequestHash = "race", "hash-A"
			if i%2 == 1 {
				tk.RequestHash = "hash-B"
			}
			got, err := s.CreateTask(ctx, tk)
			if err == nil {
				ids[i] = got.ID
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	stored := map[string]bool{}
	var conflicts int
	for i := range n {
		switch {
		case errors.Is(errs[i], store.ErrIdempotencyConflict):
			conflicts++
		case errs[i] != nil:
			t.Errorf("request %d: %v", i, errs[i])
		default:
			stored[ids[i]] = true
		}
	}
	if len(stored) != 1 || conflicts != n/2 {
		t.Errorf("got %d distinct tasks and %d conflicts, want 1 task and %d conflicts", len(stored), conflicts, n/2)
	}
	for id := range stored {
		if js := jobsOf(t, q, id); len(js) != 1 {
			t.Errorf("task %s has %d jobs, want 1", id, len(js))
		}
	}
}

func jobsOf(t *testing.T, q Queue, taskID string) []jobs.Queued {
	t.Helper()
	js, err := q.Jobs(context.Background(), taskID)
	if err != nil {
		t.Fatalf("Jobs(%s): %v", taskID, err)
	}
	return js
}

func findJob(t *testing.T, q Queue, taskID string, id int64) jobs.Queued {
	t.Helper()
	for _, j := range jobsOf(t, q, taskID) {
		if j.ID == id {
			return j
		}
	}
	t.Fatalf("%v", fmt.Errorf("job %d of task %s is not queued", id, taskID))
	return jobs.Queued{}
}

func testCountPending(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	alice, bob := newKey(t, s, "alice"), newKey(t, s, "bob")
	var ids []string
	for range 3 {
		tk := newTask(alice)
		if _, err := s.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	if _, err := s.CreateTask(ctx, newTask(bob)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishTask(ctx, ids[0], store.Result{Status: mvgen.StatusRenderFailed, CompletedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  *mvgen.Key
		want int
	}{{alice, 2}, {bob, 1}} {
		if got, err := s.CountPending(ctx, tt.key.ID); err != nil || got != tt.want {
			t.Errorf("CountPending(%s) = %d, %v; want %d", tt.key.Name, got, err, tt.want)
		}
	}
	if got, err := s.CountPending(ctx, "nobody"); err != nil || got != 0 {
		t.Errorf("CountPending(unknown key) = %d, %v; want 0", got, err)
	}
}
