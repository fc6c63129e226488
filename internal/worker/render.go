package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/render"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/task"
)

// Render is the River worker for jobs.RenderArgs.
type Render struct {
	river.WorkerDefaults[jobs.RenderArgs]

	Store    store.Store
	Blobs    blob.Store
	Renderer *render.Renderer
	// Fetch downloads remote sources; it must be netguard's client so that
	// source URLs obey the same address rules as callbacks.
	Fetch *http.Client
	// MaxSourceBytes caps a downloaded audio or cover file.
	MaxSourceBytes int64
	// TempDir holds renders in progress; "" means os.TempDir().
	TempDir string
	// JobTimeout is the longest a render may run.
	JobTimeout time.Duration
	// LinkValidity is how long a finished video's link is valid.
	LinkValidity time.Duration
	// Callbacks, when set, makes each callback's first attempt right after
	// the task commits (the fast path); its queued job waits as a fallback.
	Callbacks Dispatcher
	Logger    *slog.Logger
}

// Dispatcher makes a finished task's first callback attempt at once.
type Dispatcher interface {
	// FirstAttemptDelay is how long the queued callback job should wait.
	FirstAttemptDelay() time.Duration
	// Dispatch attempts delivery number delivery of the task's callback in
	// the background; jobID is its queued job.
	Dispatch(taskID string, delivery int, jobID int64, q store.Queue)
}

// Timeout implements river.Worker: renders get the configured limit instead
// of River's one-minute default.
func (w *Render) Timeout(*river.Job[jobs.RenderArgs]) time.Duration { return w.JobTimeout }

// Work implements river.Worker.
func (w *Render) Work(ctx context.Context, job *river.Job[jobs.RenderArgs]) error {
	t, err := w.Store.Task(ctx, "", job.Args.TaskID)
	if errors.Is(err, task.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("task %s does not exist", job.Args.TaskID))
	} else if err != nil {
		return err
	}
	if t.Done() {
		return nil // finished by an earlier run that died before River heard
	}
	log := w.Logger.With("task", t.ID, "attempt", job.Attempt)

	if videoKey, ok := w.reusable(ctx, t); ok {
		log.Info("reusing an identical render", "video", videoKey)
		return w.finish(ctx, t, store.Result{Status: task.StatusSuccess, VideoKey: videoKey})
	}

	start := time.Now()
	log.Info("rendering")
	videoKey, err := w.render(ctx, t)
	var fail *failure
	switch {
	case err == nil:
		log.Info("rendered", "elapsed", time.Since(start).Round(time.Millisecond))
		return w.finish(ctx, t, store.Result{Status: task.StatusSuccess, VideoKey: videoKey})
	case errors.As(err, &fail):
		log.Warn("render failed", "code", fail.code, "reason", fail.msg, "err", fail.err)
		return w.finish(ctx, t, store.Result{Status: fail.status, ErrorCode: fail.code, ErrorMessage: fail.msg})
	case errors.Is(ctx.Err(), context.Canceled):
		// The process is shutting down: put the job back without spending an
		// attempt; it runs again at the next start (or on another node).
		log.Info("render interrupted by shutdown; requeued")
		return river.JobSnooze(time.Second)
	case job.Attempt >= job.MaxAttempts:
		log.Error("render failed; no attempts left", "err", err)
		return w.finish(context.WithoutCancel(ctx), t, store.Result{Status: task.StatusRenderFailed,
			ErrorCode: task.FailInternal, ErrorMessage: "Internal error while rendering the video"})
	default:
		return fmt.Errorf("rendering task %s: %w", t.ID, err)
	}
}

// reusable returns the video of an identical earlier render that is still
// available (contract §2: identical requests render once).
func (w *Render) reusable(ctx context.Context, t *task.Task) (string, bool) {
	v, err := w.Store.Video(ctx, t.RenderKey)
	// The margin keeps reuse clear of the purge, which only takes videos
	// whose links expired.
	if err != nil || v.Purged || v.ExpiresAt.Before(time.Now().Add(time.Hour)) {
		return "", false
	}
	o, err := w.Blobs.Open(ctx, v.BlobKey)
	if err != nil {
		return "", false
	}
	o.Close()
	return v.BlobKey, true
}

// render produces the video and stores it; a *failure means the task failed
// for good, any other error may be retried.
func (w *Render) render(ctx context.Context, t *task.Task) (string, error) {
	dir, err := os.MkdirTemp(w.TempDir, "render-"+t.ID+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)

	src, err := w.resolve(ctx, t, dir)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "video.mp4")
	progress := newProgressWriter(ctx, w.Store, t.ID, w.Logger)
	defer progress.close()
	_, err = w.Renderer.Render(ctx, render.Input{
		Audio: src.audio, Cover: src.cover, Title: src.title,
		Author: t.Author, Domain: t.DomainName, Aspect: t.Aspect, Out: out,
		Progress: progress.set,
	})
	var inputErr *render.InputError
	if errors.As(err, &inputErr) {
		return "", &failure{status: task.StatusRenderFailed, code: task.FailUnusableSource, msg: inputErr.Msg, err: err}
	} else if err != nil {
		return "", err
	}
	key := "videos/" + t.RenderKey + ".mp4"
	if err := w.Blobs.PutFile(ctx, key, out); err != nil {
		return "", fmt.Errorf("storing video: %w", err)
	}
	return key, nil
}

// finish ends the task and queues its callback in one transaction.
func (w *Render) finish(ctx context.Context, t *task.Task, r store.Result) error {
	r.CompletedAt = time.Now().UTC()
	if r.Status == task.StatusSuccess {
		r.ExpiresAt = r.CompletedAt.Add(w.LinkValidity)
	}
	if t.CallbackURL == "" {
		_, err := w.Store.FinishTask(ctx, t.ID, r)
		return ignoreNotPending(err)
	}
	cb := river.InsertManyParams{Args: jobs.CallbackArgs{TaskID: t.ID, Delivery: 1}}
	if w.Callbacks != nil {
		cb.InsertOpts = &river.InsertOpts{ScheduledAt: time.Now().Add(w.Callbacks.FirstAttemptDelay())}
	}
	ids, err := w.Store.FinishTask(ctx, t.ID, r, cb)
	if err != nil {
		return ignoreNotPending(err)
	}
	if w.Callbacks != nil {
		w.Callbacks.Dispatch(t.ID, 1, ids[0], w.Store.Queue())
	}
	return nil
}

// ignoreNotPending: a task finished by an earlier run needs nothing more.
func ignoreNotPending(err error) error {
	if errors.Is(err, store.ErrNotPending) {
		return nil
	}
	return err
}

// failure is a final task failure with the contract's callback code.
type failure struct {
	status task.Status
	code   int
	msg    string
	err    error
}

func (f *failure) Error() string { return fmt.Sprintf("%d %s: %v", f.code, f.msg, f.err) }
func (f *failure) Unwrap() error { return f.err }
