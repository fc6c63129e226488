package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/mvgen/mvgen/internal/dialect"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// DefaultSchedule is the delay before each retry (contract §5.3): the first
// attempt goes at once, then these, each jittered by ±20%.
var DefaultSchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// Defaults of Worker's fields.
const (
	DefaultTimeout        = 15 * time.Second
	DefaultPerDestination = 4
	// DefaultMaxRedeliveries is how many times one task's callback may be
	// redelivered on request.
	DefaultMaxRedeliveries = 5
)

// responseCap is how much of an answer the attempt log keeps.
const responseCap = 1024

// Store is what delivery reads and writes.
type Store interface {
	Task(ctx context.Context, keyID, id string) (*mvgen.Task, error)
	Key(ctx context.Context, id string) (*mvgen.Key, error)
	Attempts(ctx context.Context, taskID string) ([]*mvgen.Attempt, error)
	AddAttempt(ctx context.Context, a *mvgen.Attempt) error
	SetStatus(ctx context.Context, id string, from, to mvgen.Status) (bool, error)
	FinishTask(ctx context.Context, id string, r store.Result, follow ...jobs.Job) ([]int64, error)
	Redeliver(ctx context.Context, id string, maxDeliveries int, job func(delivery int) jobs.Job) (int, int64, error)
}

// Observer is told what delivery does (internal/metrics implements it).
type Observer interface {
	// TaskFinished: a task ended with status.
	TaskFinished(status mvgen.Status)
	// CallbackDelivered: a task's first delivery got its 2xx this long
	// after the task completed.
	CallbackDelivered(sinceCompletion time.Duration)
}

// Queue is what delivery asks of the job queue (internal/queue).
type Queue interface {
	// RetryNow brings a queued callback job forward.
	RetryNow(ctx context.Context, id int64) error
	// CancelWork stops the running fetch and render jobs of an ended task,
	// wherever they run, and returns how many it reached.
	CancelWork(ctx context.Context, taskID string) (int, error)
}

// Worker delivers callbacks: it ends tasks and queues their callbacks
// (Finish), redelivers on request (Redeliver), makes each delivery's first
// attempt at once (the fast path) and works the queued callback jobs (Work).
type Worker struct {
	Store Store
	// Queue brings a delivery's job forward when its fast attempt failed.
	Queue Queue
	// Client sends the callbacks. It must be netguard's client: it refuses
	// blocked addresses at connect time and does not follow redirects. Its
	// Timeout should be Timeout.
	Client *http.Client
	Links  *link.Signer
	// Schedule is the delay before each retry; nil means DefaultSchedule.
	Schedule []time.Duration
	// ReceiverTimeout is how long a receiver has to answer; 0 means
	// DefaultTimeout.
	ReceiverTimeout time.Duration
	// PerDestination caps concurrent attempts to one host:port in this
	// process; 0 means DefaultPerDestination.
	PerDestination int
	// MaxRedeliveries caps the redeliveries of one task (contract §6.4),
	// each of which makes up to a schedule's worth of POSTs: 0 means
	// DefaultMaxRedeliveries, negative no cap.
	MaxRedeliveries int
	Logger          *slog.Logger
	// Observer is told about finished tasks and delivered callbacks; nil
	// means nobody.
	Observer Observer

	once    sync.Once
	limit   *limiter
	inline  sync.WaitGroup
	closing chan struct{} // closed by Close or Shutdown: ends the fast path's attempts
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.limit = &limiter{max: cmpOr(w.PerDestination, DefaultPerDestination)}
		w.closing = make(chan struct{})
	})
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// JobTimeout is the longest one run of a callback job may take, for a
// receiver timeout (0 means DefaultTimeout): that plus room to log.
func JobTimeout(receiverTimeout time.Duration) time.Duration {
	return cmpOr(receiverTimeout, DefaultTimeout) + 15*time.Second
}

// answerTimeout is how long a receiver had to answer: the client's
// timeout, else ReceiverTimeout.
func (w *Worker) answerTimeout() time.Duration {
	if w.Client != nil && w.Client.Timeout > 0 {
		return w.Client.Timeout
	}
	return cmpOr(w.ReceiverTimeout, DefaultTimeout)
}

// firstAttemptDelay is how long after a task finishes its callback job
// waits, so that the fast path's attempt (bounded by the timeout) is done
// and logged before the job looks.
func (w *Worker) firstAttemptDelay() time.Duration {
	return cmpOr(w.ReceiverTimeout, DefaultTimeout) + 2*time.Second
}

// Finish ends the PENDING task t with r and, when it has a callBackUrl,
// queues its callback in the same transaction and makes the first attempt
// at once. A task already finished (by an earlier run of its render that
// died before the queue heard) needs nothing more: nil.
func (w *Worker) Finish(ctx context.Context, t *mvgen.Task, r store.Result) error {
	if t.CallbackURL == "" {
		_, err := w.Store.FinishTask(ctx, t.ID, r)
		if err == nil {
			w.finished(r.Status)
		}
		return ignoreNotPending(err)
	}
	ids, err := w.Store.FinishTask(ctx, t.ID, r, jobs.Callback(t.ID, 1, time.Now().Add(w.firstAttemptDelay())))
	if err != nil {
		return ignoreNotPending(err)
	}
	w.finished(r.Status)
	w.dispatch(t.ID, 1, ids[0])
	return nil
}

// Cancel ends the PENDING task t with r on its caller's behalf, as Finish
// does, then has the queue stop the task's running fetch or render,
// wherever it runs: a running job does not read its task again, so this is
// how it learns to stop (and store nothing); a queued one finds the task
// ended when it starts. A failure to reach the running job is logged, not
// returned: the task has ended either way, and the job runs to its end
// with nobody to use what it makes.
func (w *Worker) Cancel(ctx context.Context, t *mvgen.Task, r store.Result) error {
	if err := w.Finish(ctx, t, r); err != nil {
		return err
	}
	if w.Queue == nil {
		return nil
	}
	if _, err := w.Queue.CancelWork(ctx, t.ID); err != nil {
		logctx.ForTask(w.Logger, t.ID, t.RequestID).Error("stopping the work of a cancelled task; it runs on, unused", "err", err)
	}
	return nil
}

// Redeliver starts a new delivery of the finished task t's callback (same
// webhook-id), queued durably and attempted at once, and returns its number.
func (w *Worker) Redeliver(ctx context.Context, t *mvgen.Task) (int, error) {
	maxDeliveries := 0
	if w.MaxRedeliveries >= 0 {
		maxDeliveries = 1 + cmpOr(w.MaxRedeliveries, DefaultMaxRedeliveries)
	}
	d, id, err := w.Store.Redeliver(ctx, t.ID, maxDeliveries, func(d int) jobs.Job {
		return jobs.Callback(t.ID, d, time.Now().Add(w.firstAttemptDelay()))
	})
	if errors.Is(err, store.ErrDeliveryLimit) {
		return 0, mvgen.Errorf(mvgen.EInvalid, "taskId: the callback of task %s was already redelivered %d times, the most allowed (mvgen serve --max-redeliveries)",
			t.ID, maxDeliveries-1)
	} else if err != nil {
		return 0, fmt.Errorf("redelivering the callback of %s: %w", t.ID, err)
	}
	w.dispatch(t.ID, d, id)
	return d, nil
}

func (w *Worker) finished(s mvgen.Status) {
	if w.Observer != nil {
		w.Observer.TaskFinished(s)
	}
}

func ignoreNotPending(err error) error {
	if errors.Is(err, store.ErrNotPending) {
		return nil
	}
	return err
}

// Work is the queue's worker for callback jobs: one step of the delivery,
// then done or snoozed until the next attempt is due.
func (w *Worker) Work(ctx context.Context, _ jobs.Run, taskID string, delivery int) error {
	w.init()
	next, err := w.step(ctx, taskID, delivery)
	switch {
	case err != nil:
		return err
	case next < 0:
		return nil
	}
	return jobs.Snooze(next)
}

// dispatch makes the first attempt of a task's delivery now, in the
// background (the fast path). When it does not end the delivery, the
// queued job jobID is made available so it takes over the schedule.
func (w *Worker) dispatch(taskID string, delivery int, jobID int64) {
	w.init()
	w.inline.Add(1)
	go func() {
		defer w.inline.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-w.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		next, err := w.step(ctx, taskID, delivery)
		if err == nil && next < 0 {
			return // delivered or given up: the job will find it so
		}
		if w.Queue == nil {
			return // the job runs when it is due
		}
		if err := w.Queue.RetryNow(context.WithoutCancel(ctx), jobID); err != nil {
			w.Logger.Warn("bringing a callback job forward", "task", taskID, "err", err)
		}
	}()
}

// Close ends the fast path's attempts in flight at once and waits for
// them; their jobs deliver instead. Call it, or Shutdown, once, before
// closing the store.
func (w *Worker) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Shutdown(ctx)
}

// Shutdown lets the fast path's attempts in flight finish until ctx ends
// (a shutdown's grace), then ends those still running and waits for them;
// their jobs deliver instead. Call it, or Close, once, before closing the
// store.
func (w *Worker) Shutdown(ctx context.Context) {
	w.init()
	done := make(chan struct{})
	go func() {
		w.inline.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	close(w.closing)
	<-done
}

// step decides and, when one is due, makes an attempt of the delivery. It
// returns how long to wait before the next step, or a negative duration
// when the delivery is over.
func (w *Worker) step(ctx context.Context, taskID string, delivery int) (time.Duration, error) {
	t, err := w.Store.Task(ctx, "", taskID)
	if errors.Is(err, mvgen.ErrNotFound) {
		return -1, nil
	} else if err != nil {
		return 0, err
	}
	if t.CallbackURL == "" || t.Status == mvgen.StatusPending {
		return -1, nil
	}
	attempts, err := w.attempts(ctx, taskID, delivery)
	if err != nil {
		return 0, err
	}
	if p := w.plan(t, delivery, attempts, time.Now()); p.over || p.wait > 0 {
		return p.waitOrOver(), nil
	}
	release, ok := w.limit.acquire(destination(t.CallbackURL))
	if !ok {
		// The receiver already has its share of attempts in flight.
		return time.Duration(200+jitterMillis(t.ID, len(attempts), 800)) * time.Millisecond, nil
	}
	key, err := w.Store.Key(ctx, t.KeyID)
	if err != nil {
		release()
		return 0, fmt.Errorf("loading key of task %s: %w", t.ID, err)
	}
	a := w.attempt(ctx, t, key, delivery, len(attempts)+1)
	release()
	attempts = append(attempts, a)
	p := w.plan(t, delivery, attempts, time.Now())
	if err := w.settle(ctx, t, p, a); err != nil {
		return 0, err
	}
	return p.waitOrOver(), nil
}

// attempts returns the attempts of one delivery.
func (w *Worker) attempts(ctx context.Context, taskID string, delivery int) ([]*mvgen.Attempt, error) {
	all, err := w.Store.Attempts(ctx, taskID)
	if err != nil {
		return nil, err
	}
	var mine []*mvgen.Attempt
	for _, a := range all {
		if a.Delivery == delivery {
			mine = append(mine, a)
		}
	}
	return mine, nil
}

// settle records what the last attempt means for the task's status.
func (w *Worker) settle(ctx context.Context, t *mvgen.Task, p plan, a *mvgen.Attempt) error {
	log := logctx.ForTask(w.Logger, t.ID, t.RequestID).With("attempt", a.Attempt, "status", a.StatusCode)
	switch {
	case p.delivered:
		log.Info("callback delivered", "latency", a.Duration.Round(time.Millisecond))
		if w.Observer != nil && a.Delivery == 1 && !t.CompletedAt.IsZero() {
			w.Observer.CallbackDelivered(a.At.Add(a.Duration).Sub(t.CompletedAt))
		}
	case p.over:
		log.Warn("callback abandoned", "err", a.Error, "reason", p.reason)
	default:
		log.Info("callback attempt failed; will retry", "err", a.Error, "in", p.wait.Round(time.Millisecond))
		return nil
	}
	if next := t.Status.AfterCallback(p.delivered); next != t.Status {
		_, err := w.Store.SetStatus(context.WithoutCancel(ctx), t.ID, t.Status, next)
		return err
	}
	return nil
}

// body returns the callback body of a finished task: contract §4's, or the
// jobs envelope for a task created through the jobs API (§12).
func body(t *mvgen.Task, links *link.Signer) ([]byte, error) {
	if t.Dialect == mvgen.DialectJobs {
		var u *string
		var more []string
		if !t.Failed() {
			s := links.URL(t.ID, t.ExpiresAt)
			u = &s
			more = RenditionURLs(t, links)
		}
		return dialect.JobsCallback(t, u, more...), nil
	}
	ev := webhook.Event{Data: webhook.EventData{TaskID: t.ID}}
	if t.Failed() {
		ev.Code, ev.Msg = t.ErrorCode, t.ErrorMessage
	} else {
		u := links.URL(t.ID, t.ExpiresAt)
		ev.Code, ev.Msg, ev.Data.VideoURL = webhook.CodeSuccess, "MP4 generated successfully.", &u
		if len(t.Renditions) > 0 {
			ev.Data.Videos = Videos(t, links) // contract §6.5: only for a request with renditions
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep the link's "&" readable
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// attempt makes one POST and logs it.
func (w *Worker) attempt(ctx context.Context, t *mvgen.Task, k *mvgen.Key, delivery, n int) *mvgen.Attempt {
	now := time.Now()
	a := &mvgen.Attempt{TaskID: t.ID, Delivery: delivery, Attempt: n, At: now}
	err := w.post(ctx, t, k, now, a)
	a.Duration = time.Since(now)
	if err != nil {
		a.Error = describe(err, w.answerTimeout())
		if a.Error != err.Error() {
			w.Logger.Info("callback attempt failed", "task", t.ID, "delivery", delivery, "attempt", n, "detail", err)
		}
	}
	if lerr := w.Store.AddAttempt(context.WithoutCancel(ctx), a); lerr != nil {
		w.Logger.Error("recording callback attempt", "task", t.ID, "err", lerr)
	}
	return a
}

func (w *Worker) post(ctx context.Context, t *mvgen.Task, k *mvgen.Key, now time.Time, a *mvgen.Attempt) error {
	b, err := body(t, w.Links)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.CallbackURL, bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := webhook.SetHeaders(req.Header, t.WebhookID, t.ID, now, b, k.Signing(now)...); err != nil {
		return err
	}
	req.Header.Set("User-Agent", "mvgen-webhook")
	resp, err := w.Client.Do(req)
	if err != nil {
		return err
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, responseCap))
	resp.Body.Close()
	a.StatusCode, a.Response = resp.StatusCode, string(head)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		a.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	if err != nil {
		return answerErrorf("receiver answered %s, then reading the answer failed: %s", resp.Status, describe(err, w.answerTimeout()))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			return answerErrorf("receiver answered %s; redirects are not followed", resp.Status)
		}
		return answerErrorf("receiver answered %s", resp.Status)
	}
	return nil
}

// maxRetryAfterSeconds bounds a Retry-After in seconds (a year), so a huge
// one does not overflow time.Duration; Delay caps it far lower anyway.
const maxRetryAfterSeconds = 365 * 24 * 3600

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, maxRetryAfterSeconds)) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// destination is the concurrency key of a callback URL.
func destination(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}

// jitterMillis is a deterministic pseudo-random number in [0, n) for a task
// and attempt, so a recomputed delay is the same delay.
func jitterMillis(taskID string, attempt int, n int) int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", taskID, attempt)
	return int(h.Sum64() % uint64(n))
}
