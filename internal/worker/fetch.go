package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// Fetch defaults: see the fields of Fetch.
const (
	DefaultFetchDeadline = 5 * time.Minute
	DefaultFetchMinRate  = 10 << 10 // bytes per second
	DefaultFetchWindow   = 20 * time.Second
	fetchTries           = 3
)

// FetchStore is what a fetch reads and writes.
type FetchStore interface {
	Task(ctx context.Context, keyID, id string) (*mvgen.Task, error)
	Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	// RecordFetch records the downloaded files and queues the render in one
	// transaction.
	RecordFetch(ctx context.Context, f *store.Fetched) error
}

// Fetch does fetch jobs: it downloads a task's remote audio and cover into
// the blob store (under fetched/TASK/), then records them and queues the
// render in one transaction, so that renders only ever start on stored
// files. A source that cannot be had within Deadline, or that arrives
// slower than MinRate, fails the task with 451 at once: a slow server holds
// one of the fetch workers for at most Deadline, and never a render worker.
type Fetch struct {
	Store FetchStore
	Blobs blob.Store
	// Client downloads the sources; it must be netguard's client so that
	// source URLs obey the same address rules as callbacks. Its own timeout
	// should be 0: Deadline and MinRate bound each download.
	Client *http.Client
	// MaxSourceBytes caps a downloaded audio or cover file.
	MaxSourceBytes int64
	// TempDir holds downloads in progress; "" means os.TempDir().
	TempDir string
	// Deadline bounds the whole job: every try of the audio and the cover.
	// Default DefaultFetchDeadline.
	Deadline time.Duration
	// MinRate (bytes per second) and Window: a download that receives less
	// than MinRate×Window in any Window (waiting for the answer included) is
	// abandoned as too slow. Defaults DefaultFetchMinRate, DefaultFetchWindow.
	MinRate int64
	Window  time.Duration
	// Finisher ends a task whose sources cannot be fetched.
	Finisher Finisher
	// Upstream looks an upstream track up again when its audio link has
	// expired; nil never does.
	Upstream Refresher
	Logger   *slog.Logger
}

// Work is the queue's worker for fetch jobs. It reads its task and track
// once; a cancel reaches it through its context (jobs.ErrCancelled), and
// it then stops downloading and keeps nothing.
func (w *Fetch) Work(ctx context.Context, run jobs.Run, taskID string) error {
	t, err := w.Store.Task(ctx, "", taskID)
	if errors.Is(err, mvgen.ErrNotFound) {
		return jobs.Cancel(fmt.Errorf("task %s does not exist", taskID))
	} else if err != nil {
		return err
	}
	if t.Done() {
		return nil
	}
	log := logctx.ForTask(w.Logger, t.ID, t.RequestID).With("attempt", run.Attempt)
	if run.Crashed() {
		log.Error("the fetch crashed its worker too often; failing the task", "crashes", run.Crashes)
		return w.fail(ctx, t, &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeInternal,
			msg: fmt.Sprintf("Internal error: downloading the source crashed the worker %d times", run.Crashes)})
	}
	tr, err := w.Store.Track(ctx, t.KeyID, t.MusicTaskID, t.AudioID)
	if errors.Is(err, mvgen.ErrNotFound) {
		return w.fail(ctx, t, &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeBadSource,
			msg: fmt.Sprintf("Source track %s/%s no longer exists", t.MusicTaskID, t.AudioID)})
	} else if err != nil {
		return err
	}
	if tr.SourcesPurged {
		return w.fail(ctx, t, sourcesPurged(tr))
	}

	start := time.Now()
	dctx, cancel := context.WithTimeout(ctx, cmp.Or(w.Deadline, DefaultFetchDeadline))
	defer cancel()
	f := &store.Fetched{TaskID: t.ID}
	if tr.AudioKey == "" {
		log.Info("fetching source audio")
		key := fetchedKey(t.ID, "audio")
		if err := w.fetchAudio(dctx, tr, key, log); err != nil { // upstream.go
			return w.fetchFailed(ctx, run, t, log, "audio", err)
		}
		f.AudioKey = key
	}
	if tr.CoverKey == "" && tr.ImageURL != "" {
		key := fetchedKey(t.ID, "cover")
		switch err := w.fetch(dctx, tr.ImageURL, key); {
		case err == nil:
			f.CoverKey = key
		case isFailure(err) || errors.Is(ctx.Err(), context.Canceled):
			return w.fetchFailed(ctx, run, t, log, "cover", err)
		default:
			// A cover that cannot be fetched is not worth failing the video
			// for: render without it (one that arrives but is unusable is a 400).
			log.Warn("cover download failed; rendering without it", "err", err)
		}
	}
	f.FetchedAt = time.Now().UTC()
	// Not cancelled with the job: a cancel has ended the task before it
	// stops the job, so the record is refused and the files dropped.
	if err := w.Store.RecordFetch(context.WithoutCancel(ctx), f); errors.Is(err, store.ErrNotPending) {
		dropFetched(context.WithoutCancel(ctx), w.Blobs, nil, f, log)
		return nil
	} else if err != nil {
		return fmt.Errorf("recording fetched sources of task %s: %w", t.ID, err)
	}
	log.Info("fetched sources", "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// fetchedKey is where a fetch stores the task's source (audio or cover).
func fetchedKey(taskID, what string) string { return "fetched/" + taskID + "/" + what }

// fetchFailed decides what a failed download means: a cancel drops what
// was stored and ends the job (the task has ended); a shutdown requeues
// the job; a download that failed, stalled or ran out of time fails the
// task with 451 (a cover too large, 400); a storage error is retried until
// the last attempt. A timeout is never retried silently.
func (w *Fetch) fetchFailed(ctx context.Context, run jobs.Run, t *mvgen.Task, log *slog.Logger, what string, err error) error {
	var dl *downloadError
	switch {
	case cancelled(ctx):
		// Whatever was stored of the task's sources goes (a missing
		// object is no error).
		log.Info("fetch stopped: the task was cancelled while it ran; nothing kept")
		dropFetched(context.WithoutCancel(ctx), w.Blobs, nil, &store.Fetched{TaskID: t.ID,
			AudioKey: fetchedKey(t.ID, "audio"), CoverKey: fetchedKey(t.ID, "cover")}, log)
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		log.Info("fetch interrupted by shutdown; requeued")
		return jobs.Snooze(time.Second)
	case isFailure(err):
		return w.fail(ctx, t, err.(*failure))
	case errors.As(err, &dl) || ctx.Err() != nil:
		// The message is the hosted service's own (clients match on it);
		// the reason goes to the log.
		reason := "the job ran out of time"
		if dl != nil {
			reason = dl.reason
		}
		if dl != nil {
			reason = dl.cause()
		}
		log.Warn("source download failed", "source", what, "reason", reason, "err", err)
		// The hosted service's message starts it (clients match on its
		// start); the cause follows, so the caller need not read the log.
		return w.fail(ctx, t, &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeDownloadFailed,
			msg: "Source audio file download failed: " + what + ": " + reason, err: err})
	case run.Last():
		log.Error("storing fetched source failed; no attempts left", "err", err)
		return w.fail(ctx, t, &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeInternal,
			msg: "Internal error while storing the source"})
	default:
		return fmt.Errorf("fetching %s of task %s: %w", what, t.ID, err)
	}
}

// fail ends the task with f through the Finisher.
func (w *Fetch) fail(ctx context.Context, t *mvgen.Task, f *failure) error {
	return w.Finisher.Finish(context.WithoutCancel(ctx), t, store.Result{Status: f.status,
		ErrorCode: f.code, ErrorMessage: f.msg, CompletedAt: time.Now().UTC()})
}

// downloadError is a download that failed for a reason worth telling the
// user (never the address or the DNS answer).
type downloadError struct {
	reason string
	err    error
}

func (e *downloadError) Error() string { return e.reason + ": " + e.err.Error() }

// cause is the reason with what the system said, where that names no
// address: "the connection failed (connection refused)", "the connection
// failed (the host name does not resolve)", "the connection failed (the
// address is blocked by the address rules: --source-allow-net)".
func (e *downloadError) cause() string {
	var dns *net.DNSError
	var errno syscall.Errno
	switch {
	case errors.Is(e.err, netguard.ErrBlocked):
		return e.reason + " (the address is blocked by the address rules: --source-allow-net)"
	case errors.As(e.err, &dns) && dns.IsNotFound:
		return e.reason + " (the host name does not resolve)"
	case errors.As(e.err, &dns):
		return e.reason + " (the host name could not be resolved)"
	case errors.As(e.err, &errno):
		return e.reason + " (" + errno.Error() + ")"
	}
	return e.reason
}
func (e *downloadError) Unwrap() error { return e.err }

// errTooSlow cancels a download that fell below the minimum rate.
var errTooSlow = errors.New("download slower than the minimum rate")

// fetch downloads url into the blob store under key, trying up to three
// times (transport errors and 5xx answers) within ctx's deadline. Errors
// from the source are *downloadError, a too large file a *failure; any
// other error is the blob store's.
func (w *Fetch) fetch(ctx context.Context, url, key string) error {
	f, err := os.CreateTemp(w.TempDir, "fetch-*")
	if err != nil {
		return fmt.Errorf("creating download file: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	for try, wait := 0, 500*time.Millisecond; ; try, wait = try+1, wait*2 {
		retry, err := w.downloadOnce(ctx, url, path)
		if err == nil {
			break
		}
		if !retry || try+1 >= fetchTries {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
	if err := w.Blobs.PutFile(ctx, key, path); err != nil {
		return fmt.Errorf("storing %s: %w", key, err)
	}
	return nil
}

func (w *Fetch) downloadOnce(ctx context.Context, url, dst string) (retry bool, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	counted := &countingReader{}
	stop := w.watchRate(ctx, cancel, counted)
	defer stop()
	explain := func(err error) error {
		switch {
		case errors.Is(context.Cause(ctx), errTooSlow):
			return &downloadError{fmt.Sprintf("the server sent less than %d KB/s", cmp.Or(w.MinRate, DefaultFetchMinRate)>>10), err}
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return &downloadError{fmt.Sprintf("not finished within %v", cmp.Or(w.Deadline, DefaultFetchDeadline)), err}
		case ctx.Err() != nil:
			return err
		}
		return &downloadError{"the connection failed", err}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, &downloadError{"the URL is not valid", err}
	}
	req.Header.Set("User-Agent", "mvgen")
	resp, err := w.Client.Do(req)
	if err != nil {
		return ctx.Err() == nil, explain(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode >= 500, &downloadError{fmt.Sprintf("the server answered %d", resp.StatusCode),
			&statusError{status: resp.Status, code: resp.StatusCode}}
	}
	if resp.ContentLength > w.MaxSourceBytes {
		return false, tooLarge(w.MaxSourceBytes)
	}
	f, err := os.Create(dst)
	if err != nil {
		return false, err
	}
	counted.r = io.LimitReader(resp.Body, w.MaxSourceBytes+1)
	n, err := io.Copy(f, counted)
	if cerr := f.Close(); err == nil && cerr != nil {
		return false, cerr
	}
	if err != nil {
		return ctx.Err() == nil, explain(err)
	}
	if n > w.MaxSourceBytes {
		return false, tooLarge(w.MaxSourceBytes)
	}
	return false, nil
}

// watchRate cancels ctx with errTooSlow when fewer than MinRate×Window bytes
// arrive through r in any Window, starting now (so a server that accepts
// and never answers is caught too). It returns the function that stops it.
func (w *Fetch) watchRate(ctx context.Context, cancel context.CancelCauseFunc, r *countingReader) func() {
	window := cmp.Or(w.Window, DefaultFetchWindow)
	least := int64(float64(cmp.Or(w.MinRate, DefaultFetchMinRate)) * window.Seconds())
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(window)
		defer tick.Stop()
		var last int64
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			n := r.n.Load()
			if n-last < least {
				cancel(errTooSlow)
				return
			}
			last = n
		}
	}()
	return func() { close(done) }
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func tooLarge(limit int64) error {
	return &failure{status: mvgen.StatusRenderFailed, code: webhook.CodeBadSource,
		msg: fmt.Sprintf("Source file is larger than the %d MB limit", limit>>20)}
}

// sourcesPurged is the failure of a task whose track's uploaded files were
// deleted after their retention.
func sourcesPurged(tr *mvgen.Track) *failure {
	return &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeBadSource,
		msg: fmt.Sprintf("Source track %s/%s was deleted after its retention period; upload it again", tr.MusicTaskID, tr.ID)}
}

// fetchForgetter forgets a task's fetched sources once their files are gone.
type fetchForgetter interface {
	ForgetFetch(ctx context.Context, taskID string) error
}

// dropFetched deletes a task's fetched files and then, when s is given, its
// record; a failure is logged and left to the purge (which lists the
// fetched sources of ended tasks).
func dropFetched(ctx context.Context, blobs blob.Store, s fetchForgetter, f *store.Fetched, log *slog.Logger) error {
	for _, key := range []string{f.AudioKey, f.CoverKey} {
		if key == "" {
			continue
		}
		if err := blobs.Delete(ctx, key); err != nil {
			log.Warn("deleting fetched source", "key", key, "err", err)
			return fmt.Errorf("deleting %s: %w", key, err)
		}
	}
	if s == nil {
		return nil
	}
	if err := s.ForgetFetch(ctx, f.TaskID); err != nil {
		log.Warn("forgetting fetched sources", "task", f.TaskID, "err", err)
		return fmt.Errorf("forgetting fetched sources of %s: %w", f.TaskID, err)
	}
	return nil
}
