package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/mvgen/mvgen/internal/render/safe"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

	if r, ok := w.reuseAll(ctx, t); ok {
		log.Info("reusing an identical render", "video", r.VideoKey, "renditions", len(r.Renditions))
		return finish(ctx, r)
	}

	start := time.Now()
	log.Info("rendering", "renditions", len(t.Renditions))
	var made store.Result
	err = safe.Call(func() (err error) {
		made, err = w.render(ctx, t, log)
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
		return finish(context.WithoutCancel(ctx), made)
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

// reuseAll returns the result of task t made of identical earlier renders
// (contract §2: identical requests render once), when every one of its
// videos has one.
func (w *Render) reuseAll(ctx context.Context, t *mvgen.Task) (store.Result, bool) {
	v, ok := w.reusableVideo(ctx, t.RenderKey)
	if !ok {
		return store.Result{}, false
	}
	r := store.Result{Status: mvgen.StatusSuccess, VideoKey: v.BlobKey, VideoSize: v.Size,
		Captions: w.storedCaptions(ctx, v.BlobKey), Duration: v.Duration}
	for _, rd := range t.Renditions {
		v, ok := w.reusableVideo(ctx, rd.RenderKey)
		if !ok {
			return store.Result{}, false
		}
		r.Renditions = append(r.Renditions, reusedRendition(rd, v, w.storedCaptions(ctx, v.BlobKey)))
	}
	return r, true
}

// reusedRendition is rendition rd's result made of the stored video v.
func reusedRendition(rd mvgen.Rendition, v *store.Video, captions string) store.RenditionResult {
	a, _ := mvgen.ParseAspect(rd.Aspect)
	res, _ := mvgen.ParseResolution(rd.Resolution)
	r := store.RenditionResult{Index: rd.Index, VideoKey: v.BlobKey, VideoSize: v.Size, Start: v.Start,
		Duration: v.Duration, Captions: captions}
	r.Width, r.Height = a.Size(res)
	return r
}

// reusableVideo returns the video of an identical earlier render (the same
// render key) that is still available and whole: its stored size must be
// the size recorded when its task finished, so a file a power loss cut
// short is rendered again, not shared for 14 days.
func (w *Render) reusableVideo(ctx context.Context, renderKey string) (*store.Video, bool) {
	v, err := w.Store.Video(ctx, renderKey)
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

// render produces the task's videos (rendition 0 and its renditions, one
// kit) and stores each with its poster and, when the videos show lyrics,
// its caption files, timed to it; the Result says what was stored. A
// rendition an identical earlier render made is reused, not rendered
// again (rendition 0 is always rendered when anything is: the renderer
// makes it first). A *failure means the task failed for good, errTaskEnded
// that it was cancelled meanwhile, any other error may be retried.
func (w *Render) render(ctx context.Context, t *mvgen.Task, log *slog.Logger) (made store.Result, err error) {
	defer func() {
		if err != nil && cancelled(ctx) {
			err = errTaskEnded
		}
	}()
	dir, err := os.MkdirTemp(w.TempDir, "render-"+t.ID+"-")
	if err != nil {
		return made, err
	}
	defer os.RemoveAll(dir)

	src, err := w.resolve(ctx, t, dir, log)
	if err != nil {
		return made, err
	}
	logo, err := w.logo(ctx, t, dir)
	if err != nil {
		return made, err
	}
	progress := newProgressWriter(ctx, w.Store, t.ID, w.Logger)
	defer progress.close()
	start := time.Now()

	outs, kit, kitIndex := w.planKit(ctx, t, dir, &made, log)
	info, videos, err := w.Renderer.RenderKit(ctx, render.Input{
		Audio: src.audio, Cover: src.cover, Title: src.title,
		Author: t.Author, Domain: t.DomainName, Aspect: mvgen.Aspect(t.Aspect), Out: outs[0].video,
		Resolution: mvgen.Resolution(t.Resolution), FPS: t.FPS, AccentColor: t.AccentColor, Theme: mvgen.Theme(t.Theme), Logo: logo, FullFrame: t.FullFrame,
		EmbedCaptions: t.EmbedCaptions, Lyrics: src.lyrics, Poster: outs[0].poster,
		Progress: progress.set,
	}, kit)
	var inputErr *render.InputError
	if cancelled(ctx) {
		return made, errTaskEnded // no video is stored for a cancelled task
	} else if errors.As(err, &inputErr) {
		return made, &failure{status: mvgen.StatusRenderFailed, code: webhook.CodeBadSource, msg: kitMessage(err, inputErr.Msg, kitIndex), err: err}
	} else if err != nil {
		return made, err
	}
	if w.Observer != nil {
		w.Observer.Rendered(time.Since(start), info.Duration)
	}
	made.Status, made.Duration, made.VideoKey = mvgen.StatusSuccess, info.Duration, outs[0].key
	if made.Captions, err = outs[0].captions(src, 0, info.Duration); err != nil {
		return made, err
	}
	if made.VideoSize, err = fileSize(outs[0].video); err != nil {
		return made, err
	}
	for j, v := range videos[1:] {
		i := kitIndex[j]
		o := &outs[i]
		r := &made.Renditions[i-1]
		r.VideoKey, r.Width, r.Height, r.Start, r.Duration = o.key, v.Width, v.Height, v.Start, v.Duration
		if r.Captions, err = o.captions(src, v.Start, v.Duration); err != nil {
			return made, err
		}
		if r.VideoSize, err = fileSize(o.video); err != nil {
			return made, err
		}
	}

	err = w.storeKit(ctx, outs, log)
	return made, err
}

// planKit lays out the kit of task t in dir: outs[i] is video i's files
// and blob key (rendition 0 first; a zero output for a rendition an
// identical earlier render made, whose result it writes into made at
// once), kit the renditions to render, kitIndex[j] the rendition kit[j]
// is.
func (w *Render) planKit(ctx context.Context, t *mvgen.Task, dir string, made *store.Result, log *slog.Logger) (
	outs []output, kit []render.Rendition, kitIndex []int) {
	outs = make([]output, 1+len(t.Renditions))
	outs[0] = output{video: filepath.Join(dir, "video.mp4"), poster: filepath.Join(dir, "poster.jpg"),
		key: "videos/" + t.RenderKey + "-" + t.ID + ".mp4"}
	made.Renditions = make([]store.RenditionResult, len(t.Renditions))
	for i, rd := range t.Renditions {
		made.Renditions[i].Index = rd.Index
		if v, ok := w.reusableVideo(ctx, rd.RenderKey); ok {
			log.Info("reusing an identical render of a rendition", "rendition", rd.Index, "video", v.BlobKey)
			made.Renditions[i] = reusedRendition(rd, v, w.storedCaptions(ctx, v.BlobKey))
			continue
		}
		o := output{video: filepath.Join(dir, fmt.Sprintf("video-%d.mp4", rd.Index)),
			poster: filepath.Join(dir, fmt.Sprintf("poster-%d.jpg", rd.Index)),
			key:    fmt.Sprintf("videos/%s-%s-%d.mp4", rd.RenderKey, t.ID, rd.Index)}
		outs[rd.Index] = o
		k := render.Rendition{Aspect: mvgen.Aspect(rd.Aspect), Resolution: mvgen.Resolution(rd.Resolution),
			FullFrame: rd.FullFrame, Out: o.video, Poster: o.poster}
		if c := rd.Clip; c != nil {
			k.Clip = &render.Clip{Start: c.Start, Auto: c.Auto, Duration: c.Duration}
		}
		kit = append(kit, k)
		kitIndex = append(kitIndex, rd.Index)
	}
	return outs, kit, kitIndex
}

// storeKit stores the rendered videos of outs with the files beside them;
// cancelled meanwhile, it deletes what it stored and returns errTaskEnded.
func (w *Render) storeKit(ctx context.Context, outs []output, log *slog.Logger) error {
	// Each task writes its own files: a re-render of the same render key
	// by another task never shares a file the purge may be deleting, and a
	// task rendered again after a crash overwrites its own. The posters and
	// the captions go first: a stored video always has them.
	err := func() error {
		for _, o := range outs {
			for k, path := range o.files {
				if err := w.Blobs.PutFile(ctx, k, path); err != nil {
					return fmt.Errorf("storing %s: %w", filepath.Base(path), err)
				}
			}
		}
		for _, o := range outs {
			if o.key == "" {
				continue
			}
			if err := w.Blobs.PutFile(ctx, o.key, o.video); err != nil {
				return fmt.Errorf("storing video %s: %w", filepath.Base(o.video), err)
			}
		}
		return nil
	}()
	if cancelled(ctx) {
		// Cancelled while storing: nothing of it is kept.
		var keys []string
		for _, o := range outs {
			if o.key != "" {
				keys = append(keys, videoFiles(o.key)...)
			}
		}
		if err := deleteAll(context.WithoutCancel(ctx), w.Blobs, keys...); err != nil {
			log.Warn("deleting the videos of a cancelled render", "err", err)
		}
		return errTaskEnded
	}
	return err
}

// output is one video of a kit in the render's directory: its file, its
// poster, the blob key it is stored under and the files stored beside it
// (by blob key: the poster, the captions).
type output struct {
	video, poster, key string
	files              map[string]string
}

// captions writes the caption files of the video o (when the track has
// timed lyrics), timed to the part of the song from start for dur, adds them and the poster to o's files, and returns what the
// video has of captions.
func (o *output) captions(src *source, start, dur time.Duration) (string, error) {
	o.files = map[string]string{mvgen.PosterKey(o.key): o.poster}
	switch {
	case src.lyrics != nil:
		for _, f := range mvgen.CaptionFormats {
			path := strings.TrimSuffix(o.video, ".mp4") + "." + f
			if err := os.WriteFile(path, captionFile(src.lyrics, f, start, dur), 0o644); err != nil {
				return "", fmt.Errorf("writing captions: %w", err)
			}
			o.files[mvgen.CaptionKey(o.key, f)] = path
		}
		return mvgen.CaptionsStored, nil
	case src.untimed:
		return mvgen.CaptionsUntimed, nil
	}
	return mvgen.CaptionsNone, nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// kitMessage is the failure message of a kit whose render failed with err
// (msg the renderer's message for it), naming the rendition as the request
// numbers them ("rendition 2: …", renditions[1] of the request) when the
// renderer said which of the kit failed: "rendition j: …" (1-based) or
// "renditions[j]: …" (0-based), counting only the renditions rendered,
// kit[j] being request rendition kitIndex[j].
func kitMessage(err error, msg string, kitIndex []int) string {
	j := -1
	var n int
	if _, scanErr := fmt.Sscanf(err.Error(), "rendition %d:", &n); scanErr == nil {
		j = n - 1
	} else if _, scanErr := fmt.Sscanf(msg, "renditions[%d]:", &n); scanErr == nil {
		j = n
		_, msg, _ = strings.Cut(msg, ": ")
	}
	if j < 0 || j >= len(kitIndex) {
		return msg
	}
	return fmt.Sprintf("rendition %d: %s", kitIndex[j], msg)
}

// videoFiles returns the keys of the video at key and of every file
// stored beside it (poster, captions), the video first.
func videoFiles(key string) []string {
	return append([]string{key, mvgen.PosterKey(key)}, mvgen.CaptionKeys(key)...)
}

// captionFile returns the lyrics l as a caption file in format (one of
// mvgen.CaptionFormats), timed to a video of the part of the song from
// start for dur (0: to its end), so that a clip's captions start at 0.
func captionFile(l *lyrics.Lyrics, format string, start, dur time.Duration) []byte {
	switch format {
	case "srt":
		return l.SRT(start, dur)
	case "vtt":
		return l.VTT(start, dur)
	}
	return l.LRC(start, dur)
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
