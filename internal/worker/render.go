package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/mvgen/mvgen/internal/render/safe"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// Store is what a render reads and writes.
type Store interface {
	Task(ctx context.Context, keyID, id string) (*mvgen.Task, error)
	Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	SetProgress(ctx context.Context, id string, progress int) error
	Video(ctx context.Context, renderKey string) (*store.Video, error)
	// Fetched returns what the task's fetch job stored; ForgetFetch drops
	// that record once the files are deleted.
	Fetched(ctx context.Context, taskID string) (*store.Fetched, error)
	ForgetFetch(ctx context.Context, taskID string) error
	// Logo returns the brand logo a task recorded (mvgen.Task.LogoHash).
	Logo(ctx context.Context, hash string) (*mvgen.Logo, error)
}

// Finisher ends a task and delivers its callback (internal/delivery).
type Finisher interface {
	Finish(ctx context.Context, t *mvgen.Task, r store.Result) error
}

// Render does render jobs: it resolves a task's source (an upload, or the
// files its fetch job stored), runs the renderer, stores the video and hands
// the result to Finisher.
type Render struct {
	Store    Store
	Blobs    blob.Store
	Renderer *render.Renderer
	// TempDir holds renders in progress; "" means os.TempDir().
	TempDir string
	// LinkValidity is how long a finished video's link is valid.
	LinkValidity time.Duration
	// Finisher ends the task with the render's result.
	Finisher Finisher
	Logger   *slog.Logger
	// Observer is told about every successful render; nil means nobody.
	Observer Observer
}

// Observer is told how long renders take (internal/metrics implements it).
type Observer interface {
	Rendered(elapsed, audio time.Duration)
}

// Work is the queue's worker for render jobs. It reads its task and the
// task's track once; a cancel reaches it through its context (the cause
// jobs.ErrCancelled: delivery's Cancel has the queue cancel the job), so
// it never polls the task while it renders.
func (w *Render) Work(ctx context.Context, run jobs.Run, taskID string) error {
	t, err := w.Store.Task(ctx, "", taskID)
	if errors.Is(err, mvgen.ErrNotFound) {
		return jobs.Cancel(fmt.Errorf("task %s does not exist", taskID))
	} else if err != nil {
		return err
	}
	if t.Done() {
		return nil // finished by an earlier run that died before the queue heard
	}
	log := logctx.ForTask(w.Logger, t.ID, t.RequestID).With("attempt", run.Attempt)
	ended, err := w.work(ctx, run, t, log)
	if ended {
		w.dropSources(ctx, t.ID, log)
	}
	return err
}

// work renders the pending task t (or reuses an identical render) and
// hands the result to the Finisher; ended reports that the task has ended,
// by this run or by a cancel.
func (w *Render) work(ctx context.Context, run jobs.Run, t *mvgen.Task, log *slog.Logger) (ended bool, err error) {
	finish := func(ctx context.Context, r store.Result) (bool, error) {
		err := w.finish(ctx, t, r)
		return err == nil, err
	}
	if run.Crashed() {
		log.Error("the render crashed its worker too often; failing the task", "crashes", run.Crashes)
		return finish(context.WithoutCancel(ctx), store.Result{Status: mvgen.StatusRenderFailed,
			ErrorCode: webhook.CodeInternal, ErrorMessage: fmt.Sprintf("Internal error: the render crashed the worker %d times", run.Crashes)})
	}

	if v, ok := w.reusable(ctx, t); ok {
		log.Info("reusing an identical render", "video", v.BlobKey)
		return finish(ctx, store.Result{Status: mvgen.StatusSuccess, VideoKey: v.BlobKey, VideoSize: v.Size,
			Captions: w.storedCaptions(ctx, v.BlobKey), Duration: v.Duration})
	}

	start := time.Now()
	log.Info("rendering")
	var videoKey, captions string
	var size int64
	var dur time.Duration
	err = safe.Call(func() (err error) {
		videoKey, size, captions, dur, err = w.render(ctx, t, log)
		return err
	})
	var fail *failure
	var panicked *safe.PanicError
	switch {
	case errors.As(err, &panicked):
		// A bug, not the source: the task fails at once (no retry would
		// go otherwise) and the node goes on serving.
		log.Error("render panicked; failing the task", "panic", fmt.Sprint(panicked.Value), "stack", string(panicked.Stack))
		return finish(context.WithoutCancel(ctx), store.Result{Status: mvgen.StatusRenderFailed,
			ErrorCode: webhook.CodeInternal, ErrorMessage: "Internal error while rendering the video"})
	case errors.Is(err, errTaskEnded):
		log.Info("render stopped: the task was cancelled while it ran; no video stored")
		return true, nil
	case err == nil:
		log.Info("rendered", "elapsed", time.Since(start).Round(time.Millisecond))
		// The video is stored: its task ends with it even if the job is
		// being stopped meanwhile.
		return finish(context.WithoutCancel(ctx), store.Result{Status: mvgen.StatusSuccess, VideoKey: videoKey, VideoSize: size,
			Captions: captions, Duration: dur})
	case errors.As(err, &fail):
		log.Warn("render failed", "code", fail.code, "reason", fail.msg, "err", fail.err)
		return finish(ctx, store.Result{Status: fail.status, ErrorCode: fail.code, ErrorMessage: fail.msg})
	case errors.Is(ctx.Err(), context.Canceled):
		// The process is shutting down: put the job back without spending an
		// attempt; it runs again at the next start (or on another node).
		log.Info("render interrupted by shutdown; requeued")
		return false, jobs.Snooze(time.Second)
	case run.Last():
		log.Error("render failed; no attempts left", "err", err)
		return finish(context.WithoutCancel(ctx), store.Result{Status: mvgen.StatusRenderFailed,
			ErrorCode: webhook.CodeInternal, ErrorMessage: "Internal error while rendering the video"})
	default:
		return false, fmt.Errorf("rendering task %s: %w", t.ID, err)
	}
}

// cancelled reports whether ctx ended because the job was cancelled (its
// task ended while it ran), not by a shutdown or a timeout.
func cancelled(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), jobs.ErrCancelled)
}

// reusable returns the video of an identical earlier render that is still
// available and whole (contract §2: identical requests render once): its
// stored size must be the size recorded when its task finished, so a file
// a power loss cut short is rendered again, not shared for 14 days.
func (w *Render) reusable(ctx context.Context, t *mvgen.Task) (*store.Video, bool) {
	v, err := w.Store.Video(ctx, t.RenderKey)
	// The margin keeps reuse clear of the purge, which only takes videos
	// whose links expired.
	if err != nil || v.Purged || v.ExpiresAt.Before(time.Now().Add(time.Hour)) {
		return nil, false
	}
	o, err := w.Blobs.Open(ctx, v.BlobKey)
	if err != nil {
		return nil, false
	}
	defer o.Close()
	if o.Size() == 0 || (v.Size > 0 && o.Size() != v.Size) {
		w.Logger.Warn("not reusing a stored video whose size differs from the recorded one",
			"video", v.BlobKey, "stored", o.Size(), "recorded", v.Size)
		return nil, false
	}
	return v, true
}

// render produces the video and stores it, with its poster and, when the
// video shows lyrics, its caption files; captions tells what it has of
// those (mvgen.CaptionsNone, CaptionsStored or CaptionsUntimed). A
// *failure means the task failed for good, errTaskEnded that it was
// cancelled meanwhile, any other error may be retried.
func (w *Render) render(ctx context.Context, t *mvgen.Task, log *slog.Logger) (key string, size int64, captions string, dur time.Duration, err error) {
	defer func() {
		if err != nil && cancelled(ctx) {
			err = errTaskEnded
		}
	}()
	dir, err := os.MkdirTemp(w.TempDir, "render-"+t.ID+"-")
	if err != nil {
		return "", 0, "", 0, err
	}
	defer os.RemoveAll(dir)

	src, err := w.resolve(ctx, t, dir, log)
	if err != nil {
		return "", 0, "", 0, err
	}
	logo, err := w.logo(ctx, t, dir)
	if err != nil {
		return "", 0, "", 0, err
	}
	out := filepath.Join(dir, "video.mp4")
	progress := newProgressWriter(ctx, w.Store, t.ID, w.Logger)
	defer progress.close()
	start := time.Now()
	// Issue 13: the resolution, the track's lyrics (lyrics.go) and a poster
	// stored beside the video (mvgen.PosterKey).
	poster := filepath.Join(dir, "poster.jpg")
	info, err := w.Renderer.Render(ctx, render.Input{
		Audio: src.audio, Cover: src.cover, Title: src.title,
		Author: t.Author, Domain: t.DomainName, Aspect: mvgen.Aspect(t.Aspect), Out: out,
		Resolution: mvgen.Resolution(t.Resolution), FPS: t.FPS, AccentColor: t.AccentColor, Theme: mvgen.Theme(t.Theme), Logo: logo, FullFrame: t.FullFrame,
		EmbedCaptions: t.EmbedCaptions, Lyrics: src.lyrics, Poster: poster,
		Progress: progress.set,
	})
	var inputErr *render.InputError
	if cancelled(ctx) {
		return "", 0, "", 0, errTaskEnded // no video is stored for a cancelled task
	} else if errors.As(err, &inputErr) {
		return "", 0, "", 0, &failure{status: mvgen.StatusRenderFailed, code: webhook.CodeBadSource, msg: inputErr.Msg, err: err}
	} else if err != nil {
		return "", 0, "", 0, err
	}
	if w.Observer != nil {
		w.Observer.Rendered(time.Since(start), info.Duration)
	}
	// Each task writes its own file: a re-render of the same render key by
	// another task never shares a file the purge may be deleting, and a
	// task rendered again after a crash overwrites its own.
	key = "videos/" + t.RenderKey + "-" + t.ID + ".mp4"
	fi, err := os.Stat(out)
	if err != nil {
		return "", 0, "", 0, err
	}
	// Issue 20: the caption files, timed to the video, beside it.
	files := map[string]string{mvgen.PosterKey(key): poster}
	switch {
	case src.lyrics != nil:
		captions = mvgen.CaptionsStored
		for _, f := range mvgen.CaptionFormats {
			path := filepath.Join(dir, "captions."+f)
			if err := os.WriteFile(path, captionFile(src.lyrics, f, info.Duration), 0o644); err != nil {
				return "", 0, "", 0, fmt.Errorf("writing captions: %w", err)
			}
			files[mvgen.CaptionKey(key, f)] = path
		}
	case src.untimed:
		captions = mvgen.CaptionsUntimed
	}
	// The poster and the captions go first: a stored video always has them.
	for k, path := range files {
		if err = w.Blobs.PutFile(ctx, k, path); err != nil {
			err = fmt.Errorf("storing %s: %w", filepath.Base(path), err)
			break
		}
	}
	if err == nil {
		if err = w.Blobs.PutFile(ctx, key, out); err != nil {
			err = fmt.Errorf("storing video: %w", err)
		}
	}
	if cancelled(ctx) {
		// Cancelled while storing: nothing of it is kept.
		if err := deleteAll(context.WithoutCancel(ctx), w.Blobs, videoFiles(key)...); err != nil {
			log.Warn("deleting the video of a cancelled render", "err", err)
		}
		return "", 0, "", 0, errTaskEnded
	}
	if err != nil {
		return "", 0, "", 0, err
	}
	return key, fi.Size(), captions, info.Duration, nil
}

// videoFiles returns the keys of the video at key and of every file
// stored beside it (poster, captions), the video first.
func videoFiles(key string) []string {
	return append([]string{key, mvgen.PosterKey(key)}, mvgen.CaptionKeys(key)...)
}

// captionFile returns the lyrics l as a caption file in format (one of
// mvgen.CaptionFormats), timed to a video of the whole song, dur long.
func captionFile(l *lyrics.Lyrics, format string, dur time.Duration) []byte {
	switch format {
	case "srt":
		return l.SRT(0, dur)
	case "vtt":
		return l.VTT(0, dur)
	}
	return l.LRC(0, dur)
}

// storedCaptions tells whether the caption files of the stored video at
// key exist (a reused render shares them).
func (w *Render) storedCaptions(ctx context.Context, key string) string {
	o, err := w.Blobs.Open(ctx, mvgen.CaptionKey(key, "vtt"))
	if err != nil {
		return mvgen.CaptionsNone
	}
	o.Close()
	return mvgen.CaptionsStored
}

// errTaskEnded is render's error when the task ended (its caller cancelled
// it) while the render ran.
var errTaskEnded = errors.New("the task ended while rendering")

// dropSources deletes the sources a fetch job stored for the ended task
// (they are no longer needed); the purge retries failures.
func (w *Render) dropSources(ctx context.Context, taskID string, log *slog.Logger) {
	ctx = context.WithoutCancel(ctx)
	f, err := w.Store.Fetched(ctx, taskID)
	if err != nil {
		return
	}
	dropFetched(ctx, w.Blobs, w.Store, f, log)
}

// finish hands the task's end to the Finisher, which commits it with its
// callback.
func (w *Render) finish(ctx context.Context, t *mvgen.Task, r store.Result) error {
	r.CompletedAt = time.Now().UTC()
	if r.Status == mvgen.StatusSuccess {
		r.ExpiresAt = r.CompletedAt.Add(w.LinkValidity)
	}
	return w.Finisher.Finish(ctx, t, r)
}

// failure is a final task failure with the contract's callback code.
type failure struct {
	status mvgen.Status
	code   int
	msg    string
	err    error
}

func (f *failure) Error() string { return fmt.Sprintf("%d %s: %v", f.code, f.msg, f.err) }
func (f *failure) Unwrap() error { return f.err }

// logo writes the brand logo the task recorded at generate into dir and
// returns its path; "" when the task has none. The store keeps a logo
// while a pending task names it, so a missing one is an internal error.
func (w *Render) logo(ctx context.Context, t *mvgen.Task, dir string) (string, error) {
	if t.LogoHash == "" {
		return "", nil
	}
	l, err := w.Store.Logo(ctx, t.LogoHash)
	if err != nil {
		return "", fmt.Errorf("reading the task's logo %s: %w", t.LogoHash, err)
	}
	path := filepath.Join(dir, "logo.png")
	if err := os.WriteFile(path, l.PNG, 0o600); err != nil {
		return "", fmt.Errorf("writing the task's logo: %w", err)
	}
	return path, nil
}
