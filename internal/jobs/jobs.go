// Package jobs is the vocabulary of mvgen's background work, free of any
// queue technology: which jobs exist (a render, a callback delivery), what a
// store inserts in the transaction that makes one due, and how a run of a job
// ends (done, retry later, give up). The workers (internal/worker,
// internal/delivery) and the store drivers speak it; internal/queue alone
// maps it onto River.
package jobs

import (
	"errors"
	"fmt"
	"time"
)

// Kind names a job kind.
type Kind string

// Job kinds.
const (
	// KindFetch downloads a task's remote sources into the blob store and
	// then queues its render; uploaded tracks skip it.
	KindFetch    Kind = "fetch"
	KindRender   Kind = "render"
	KindCallback Kind = "callback"
)

// FetchMaxAttempts bounds retries of a fetch job that failed for internal
// reasons (the blob store down); a source that cannot be downloaded within
// the fetch deadline fails the task at once.
const FetchMaxAttempts = 3

// MaxCrashes is how many times a job may be found running after its worker
// died (a restart, a node that stopped heartbeating) before its task is
// failed instead of run again: a job that kills its process must not loop.
const MaxCrashes = 3

// RenderMaxAttempts bounds retries of renders that fail for internal reasons
// (a crash, a full disk); unusable sources fail at once.
const RenderMaxAttempts = 3

// CallbackMaxAttempts is only a backstop: the delivery worker's schedule
// decides when a callback is given up (it cancels the job after its last
// attempt).
const CallbackMaxAttempts = 100

// Job is a job to queue.
type Job struct {
	Kind   Kind
	TaskID string
	// Delivery numbers a callback delivery: 1 when the task finished, 2, 3,
	// ... for redeliveries requested through the API. Attempts count per
	// delivery.
	Delivery int
	// RunAt is the earliest time the job runs; zero means now.
	RunAt time.Time
}

// Fetch is the job that downloads task taskID's remote sources.
func Fetch(taskID string) Job { return Job{Kind: KindFetch, TaskID: taskID} }

// Render is the job that renders task taskID.
func Render(taskID string) Job { return Job{Kind: KindRender, TaskID: taskID} }

// Callback is the job that delivers the task's callback (delivery number
// delivery), not before runAt.
func Callback(taskID string, delivery int, runAt time.Time) Job {
	return Job{Kind: KindCallback, TaskID: taskID, Delivery: delivery, RunAt: runAt}
}

// Run describes one run of a job, for the worker doing it.
type Run struct {
	ID          int64
	Attempt     int // 1 on the first run
	MaxAttempts int
	// Crashes counts the runs of this job whose worker died mid-run (the
	// process killed, its node silent): each was put back by the queue.
	Crashes int
}

// Crashed reports whether the job has crashed its worker MaxCrashes times
// and must not run again.
func (r Run) Crashed() bool { return r.Crashes >= MaxCrashes }

// Last reports whether this run is the job's last attempt.
func (r Run) Last() bool { return r.Attempt >= r.MaxAttempts }

// SnoozeError asks for the job to run again after Delay without spending an
// attempt. Return it with Snooze.
type SnoozeError struct{ Delay time.Duration }

func (e *SnoozeError) Error() string { return fmt.Sprintf("jobs: run again in %v", e.Delay) }

// Snooze returns an error that makes the queue run the job again after d,
// not counted as an attempt.
func Snooze(d time.Duration) error { return &SnoozeError{Delay: d} }

// CancelError ends the job for good without retrying. Return it with Cancel.
type CancelError struct{ Err error }

func (e *CancelError) Error() string { return "jobs: cancelled: " + e.Err.Error() }
func (e *CancelError) Unwrap() error { return e.Err }

// Cancel returns an error that ends the job without further attempts.
func Cancel(err error) error { return &CancelError{Err: err} }

// ErrCancelled is the cause (context.Cause) of a job's context when the
// queue cancelled the running job because its task ended elsewhere (its
// caller cancelled it, on this node or another): the worker stops, stores
// nothing and leaves the task as it is. A shutdown cancels the context with
// another cause (the job is put back and runs again), a job's timeout with
// context.DeadlineExceeded.
var ErrCancelled = errors.New("jobs: the job was cancelled: its task ended")

// IsSnooze reports whether err asks for a snooze, and for how long.
func IsSnooze(err error) (time.Duration, bool) {
	var s *SnoozeError
	if errors.As(err, &s) {
		return s.Delay, true
	}
	return 0, false
}

// Queued is a job as the queue holds it, for tests and diagnostics.
type Queued struct {
	ID int64
	Job
	// State is the queue's word for where the job is: available,
	// scheduled, running, retryable, completed, cancelled or discarded.
	State       string
	Attempt     int
	MaxAttempts int
	Crashes     int
}
