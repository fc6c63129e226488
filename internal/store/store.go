// Package store defines the storage contract of mvgen: API keys, the track
// catalogue, video tasks, rendered videos and the callback attempt log.
//
// Storage owns the database. Each database is its own driver package
// (store/sqlite, store/postgres) that opens and migrates it (mvgen's tables
// and River's), holds every SQL statement mvgen runs on it, and gives the
// job queue its driver (internal/queue's Driver: River's driver and the
// queue's statements). The store is built on the database and the queue:
// the jobs that a change makes due (a task's render, a finished task's
// callback) are queued in the same transaction, through the queue it is
// given; the contract speaks internal/jobs, never the queue's technology.
// store/storetest is the one suite every driver passes.
//
// Store is the drivers' whole contract. Callers do not take it: each
// defines the small interface it uses, beside its code.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// ErrNotPending is returned by FinishTask when the task has already left
// PENDING: a render that ran twice (after a crash) must not finish twice.
var ErrNotPending = errors.New("store: task is no longer pending")

// ErrIdempotencyConflict is returned by CreateTask when the idempotency key was
// used within its window for a request with another body.
var ErrIdempotencyConflict = &mvgen.Error{Code: mvgen.EConflict, Msg: "Idempotency-Key was already used with a different request body"}

// ErrDeliveryLimit is returned by Redeliver when the task's callback has had
// the most deliveries allowed.
var ErrDeliveryLimit = errors.New("store: the task's callback has had the most deliveries allowed")

// IdempotencyWindow is how long an Idempotency-Key returns its original task.
const IdempotencyWindow = 24 * time.Hour

// Store is everything mvgen keeps in its database. Methods taking a keyID
// scope the lookup to that API key; an object of another key is ErrNotFound.
type Store interface {
	CreateKey(ctx context.Context, k *mvgen.Key) error
	Key(ctx context.Context, id string) (*mvgen.Key, error)
	KeyByTokenHash(ctx context.Context, hash []byte) (*mvgen.Key, error)
	Keys(ctx context.Context) ([]*mvgen.Key, error)
	RevokeKey(ctx context.Context, id string, at time.Time) error
	// RotateSecret makes secret the key's webhook secret; the old one keeps
	// signing until prevUntil.
	RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error
	// SetUpstreamKey sets the key's upstream API key (contract §6.1); ""
	// clears it.
	SetUpstreamKey(ctx context.Context, id, upstreamKey string) error

	// SetBrand replaces key b.KeyID's brand (contract §6.6), storing its
	// logo, if any, once per content. A logo no brand and no pending task
	// names any more is deleted, here and as tasks finish.
	SetBrand(ctx context.Context, b *mvgen.Brand) error
	// Brand returns a key's brand, its Logo without the PNG; ErrNotFound
	// when it has none.
	Brand(ctx context.Context, keyID string) (*mvgen.Brand, error)
	// DeleteBrand removes a key's brand; ErrNotFound when it has none.
	DeleteBrand(ctx context.Context, keyID string) error
	// Logo returns the logo stored under hash (Logo.Hash), PNG included;
	// ErrNotFound when none is (any more).
	Logo(ctx context.Context, hash string) (*mvgen.Logo, error)

	CreateTrack(ctx context.Context, t *mvgen.Track) error
	Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	// Tracks lists a music task's tracks in musicIndex order, without their
	// Lyrics (as every list: HasLyrics and SyncedLyrics say what they are);
	// Track reads one with its lyrics.
	Tracks(ctx context.Context, keyID, musicTaskID string) ([]*mvgen.Track, error)
	// SetTrackURLs replaces a track's audio and image URLs (an upstream
	// track's fresh links after the old ones expired).
	SetTrackURLs(ctx context.Context, keyID, musicTaskID, audioID, audioURL, imageURL string) error

	// CreateTask stores t and queues its render job in one transaction. When
	// t has an IdempotencyKey already used by the same key within
	// IdempotencyWindow, nothing is inserted: it returns the original task if
	// the RequestHash matches and ErrIdempotencyConflict if not. Otherwise it
	// returns t.
	CreateTask(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error)
	// Task returns a task; keyID "" matches any key (for workers).
	Task(ctx context.Context, keyID, id string) (*mvgen.Task, error)
	SetProgress(ctx context.Context, id string, progress int) error
	// ListTasks lists key keyID's tasks newest first, as q selects (the
	// dashboard's task list and its event stream; see list.go).
	ListTasks(ctx context.Context, keyID string, q TaskQuery) ([]*ListedTask, error)
	// FinishTask moves a PENDING task to its end state and queues follow
	// (its callback) in one transaction, returning the jobs' ids; a
	// successful result also records the video under the task's RenderKey.
	// ErrNotPending if the task was already done.
	FinishTask(ctx context.Context, id string, r Result, follow ...jobs.Job) ([]int64, error)
	// SetStatus moves a task from one status to another and reports whether
	// it was in status from.
	SetStatus(ctx context.Context, id string, from, to mvgen.Status) (ok bool, err error)
	// Redeliver numbers a new delivery of the task's callback (2, 3, ...) and
	// queues the job that job(delivery) returns, in one transaction. When
	// maxDeliveries > 0 and the task already had that many deliveries,
	// nothing changes and the error is ErrDeliveryLimit.
	Redeliver(ctx context.Context, id string, maxDeliveries int, job func(delivery int) jobs.Job) (delivery int, jobID int64, err error)
	// CountPending counts key keyID's PENDING tasks, each as its
	// mvgen.Task.Units (one for each of its videos).
	CountPending(ctx context.Context, keyID string) (int, error)

	// Video returns the rendered video recorded under renderKey.
	Video(ctx context.Context, renderKey string) (*Video, error)
	// ExpiredVideos lists videos not yet purged whose link expired before
	// cutoff, oldest first. The caller deletes each file, then MarkPurged.
	ExpiredVideos(ctx context.Context, cutoff time.Time, limit int) ([]*Video, error)
	// MarkPurged marks v purged if its row still names v.BlobKey and still
	// expired before cutoff (a re-render since then recorded a new file and
	// a later expiry); it reports whether it did.
	MarkPurged(ctx context.Context, v *Video, cutoff time.Time) (bool, error)

	// The fetch stage and source retention: see fetch.go.
	Fetches
	// Listing and removing tracks, counting tasks: see catalogue.go.
	Catalogue

	AddAttempt(ctx context.Context, a *mvgen.Attempt) error
	// Attempts lists a task's callback attempts, oldest first.
	Attempts(ctx context.Context, taskID string) ([]*mvgen.Attempt, error)

	// Secret returns the secret stored under name, storing init() first if
	// there is none; nodes sharing a database get the same value (the key
	// that signs video links). Like a key's webhook secrets and upstream
	// key, it is stored sealed when the store has an operator key
	// (secrets.go).
	Secret(ctx context.Context, name string, init func() []byte) ([]byte, error)

	Close() error
}

// Result is how a render ended.
type Result struct {
	Status       mvgen.Status
	ErrorCode    int
	ErrorMessage string
	VideoKey     string
	// VideoSize is the stored video's size in bytes, recorded so that a
	// reuse can check the file is whole.
	VideoSize int64
	// Captions is what the video has of caption files (mvgen.CaptionsNone,
	// CaptionsStored or CaptionsUntimed).
	Captions string
	// Duration is the video's length (with VideoKey).
	Duration time.Duration
	// Renditions are what a successful kit made of the task's renditions
	// (contract §6.5), one for each, besides rendition 0 above.
	Renditions  []RenditionResult
	CompletedAt time.Time
	ExpiresAt   time.Time
}

// RenditionResult is what a successful render made of one rendition.
type RenditionResult struct {
	Index    int // the rendition's mvgen.Rendition.Index
	VideoKey string
	// VideoSize is the stored video's size in bytes, as Result's.
	VideoSize       int64
	Width, Height   int
	Start, Duration time.Duration
	Captions        string
}

// Progress is the progress a finished task shows: 100 with a video, else 0.
func (r Result) Progress() int {
	if r.Status == mvgen.StatusSuccess {
		return 100
	}
	return 0
}

// Video is a rendered file that tasks with the same RenderKey share.
type Video struct {
	RenderKey string
	BlobKey   string
	CreatedAt time.Time
	ExpiresAt time.Time // the latest link expiry of the tasks sharing it
	Purged    bool
	// Size is the file's size in bytes as stored; 0 when recorded before
	// sizes were (not checked).
	Size int64
	// Duration is the video's length; 0 when recorded before lengths
	// were.
	Duration time.Duration
	// Start is where the video starts in the song: 0 but for a clip
	// (contract §6.5).
	Start time.Duration
}
