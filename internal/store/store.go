// Package store defines the storage contract of mvgen: API keys, the track
// catalogue, video tasks, rendered videos and the callback attempt log, plus
// the job queue that commits together with them. Each database is its own
// driver package (store/sqlite, later store/postgres); store/storetest is the
// one suite every driver passes.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/task"
)

// ErrNotPending is returned by FinishTask when the task has already left
// PENDING: a render that ran twice (after a crash) must not finish twice.
var ErrNotPending = errors.New("store: task is no longer pending")

// ErrIdempotencyConflict is returned by CreateTask when the idempotency key was
// used within its window for a request with another body.
var ErrIdempotencyConflict = &task.Error{Code: task.EConflict, Msg: "Idempotency-Key was already used with a different request body"}

// IdempotencyWindow is how long an Idempotency-Key returns its original task.
const IdempotencyWindow = 24 * time.Hour

// Store is everything mvgen keeps in its database. Methods taking a keyID
// scope the lookup to that API key; an object of another key is ErrNotFound.
type Store interface {
	CreateKey(ctx context.Context, k *task.Key) error
	Key(ctx context.Context, id string) (*task.Key, error)
	KeyByTokenHash(ctx context.Context, hash []byte) (*task.Key, error)
	Keys(ctx context.Context) ([]*task.Key, error)
	RevokeKey(ctx context.Context, id string, at time.Time) error
	// RotateSecret makes secret the key's webhook secret; the old one keeps
	// signing until prevUntil.
	RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error

	CreateTrack(ctx context.Context, t *task.Track) error
	Track(ctx context.Context, keyID, musicTaskID, audioID string) (*task.Track, error)
	// Tracks lists a music task's tracks in musicIndex order.
	Tracks(ctx context.Context, keyID, musicTaskID string) ([]*task.Track, error)

	// CreateTask stores t and inserts jobs in one transaction. When t has an
	// IdempotencyKey already used by the same key within IdempotencyWindow,
	// nothing is inserted: it returns the original task if the RequestHash
	// matches and ErrIdempotencyConflict if not. Otherwise it returns t.
	CreateTask(ctx context.Context, t *task.Task, jobs ...river.JobArgs) (*task.Task, error)
	// Task returns a task; keyID "" matches any key (for workers).
	Task(ctx context.Context, keyID, id string) (*task.Task, error)
	SetProgress(ctx context.Context, id string, progress int) error
	// ListTasks lists key keyID's tasks newest first, as q selects (the
	// dashboard's task list and its event stream; see list.go).
	ListTasks(ctx context.Context, keyID string, q TaskQuery) ([]*ListedTask, error)
	// FinishTask moves a PENDING task to its end state and inserts jobs (its
	// callback) in one transaction, returning their ids; a successful result
	// also records the video under the task's RenderKey. ErrNotPending if the
	// task was already done.
	FinishTask(ctx context.Context, id string, r Result, jobs ...river.InsertManyParams) ([]int64, error)
	// SetStatus moves a task from one status to another and reports whether
	// it was in status from.
	SetStatus(ctx context.Context, id string, from, to task.Status) (ok bool, err error)
	// Redeliver numbers a new delivery of the task's callback (2, 3, ...) and
	// inserts the job that job(delivery) returns, in one transaction.
	Redeliver(ctx context.Context, id string, job func(delivery int) river.InsertManyParams) (delivery int, err error)

	// Video returns the rendered video recorded under renderKey.
	Video(ctx context.Context, renderKey string) (*Video, error)
	// PurgeVideos marks videos whose link expired before cutoff as purged and
	// returns them, so the caller deletes their files.
	PurgeVideos(ctx context.Context, cutoff time.Time, limit int) ([]*Video, error)

	AddAttempt(ctx context.Context, a *task.Attempt) error
	// Attempts lists a task's callback attempts, oldest first.
	Attempts(ctx context.Context, taskID string) ([]*task.Attempt, error)

	// Secret returns the secret stored under name, storing init() first if
	// there is none; nodes sharing a database get the same value (the key
	// that signs video links).
	Secret(ctx context.Context, name string, init func() []byte) ([]byte, error)

	// Queue is the job queue that shares the database.
	Queue() Queue
	Close() error
}

// Result is how a render ended.
type Result struct {
	Status       task.Status
	ErrorCode    int
	ErrorMessage string
	VideoKey     string
	CompletedAt  time.Time
	ExpiresAt    time.Time
}

// Progress is the progress a finished task shows: 100 with a video, else 0.
func (r Result) Progress() int {
	if r.Status == task.StatusSuccess {
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
}

// Queue is River's client with the driver's transaction type hidden.
type Queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
	// Retry makes a job available now (River's JobRetry): a scheduled or
	// retryable one is brought forward, a finished one runs again; a running
	// job is left alone.
	Retry(ctx context.Context, jobID int64) error
	Start(ctx context.Context) error
	// Stop stops fetching and waits for running jobs until ctx is done.
	Stop(ctx context.Context) error
	// StopAndCancel cancels running jobs' contexts and waits for them.
	StopAndCancel(ctx context.Context) error
	// RequeueRunning makes jobs left "running" by a process that died
	// available again. Only for a database that this process alone works on
	// (the embedded default, which holds an exclusive lock on its data dir).
	RequeueRunning(ctx context.Context) (int, error)
	// Heartbeat records that the node (its River client id) is alive at at.
	Heartbeat(ctx context.Context, nodeID string, at time.Time) error
	// RescueOrphans makes "running" jobs whose worker (the last client id in
	// the job's attempted_by) has not heartbeated since deadBefore available
	// again, and forgets nodes silent since then. It returns the jobs rescued.
	// This is how a render on a node that was killed resumes elsewhere
	// within seconds instead of after River's stuck-job rescue.
	RescueOrphans(ctx context.Context, deadBefore time.Time) (int, error)
}
