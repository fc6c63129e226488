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

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/task"
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
)

// responseCap is how much of an answer the attempt log keeps.
const responseCap = 1024

// Worker is the River worker for jobs.CallbackArgs, and the fast path.
type Worker struct {
	river.WorkerDefaults[jobs.CallbackArgs]

	Store store.Store
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
	Logger         *slog.Logger

	once    sync.Once
	limit   *limiter
	inline  sync.WaitGroup
	closing chan struct{} // closed by Close: ends the fast path's attempts
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

// Timeout implements river.Worker: the HTTP timeout plus room to log.
func (w *Worker) Timeout(*river.Job[jobs.CallbackArgs]) time.Duration {
	return cmpOr(w.ReceiverTimeout, DefaultTimeout) + 15*time.Second
}

// FirstAttemptDelay is how long after a task finishes its callback job
// waits, so that the fast path's attempt (bounded by the timeout) is done
// and logged before the job looks.
func (w *Worker) FirstAttemptDelay() time.Duration {
	return cmpOr(w.ReceiverTimeout, DefaultTimeout) + 2*time.Second
}

// Work implements river.Worker.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.CallbackArgs]) error {
	w.init()
	next, err := w.step(ctx, job.Args)
	switch {
	case err != nil:
		return err
	case next < 0:
		return nil
	}
	return river.JobSnooze(next)
}

// Dispatch makes the first attempt of a task's delivery now, in the
// background (the fast path). When it does not end the delivery, the
// queued job jobID is made available so it takes over the schedule.
func (w *Worker) Dispatch(taskID string, delivery int, jobID int64, q store.Queue) {
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
		next, err := w.step(ctx, jobs.CallbackArgs{TaskID: taskID, Delivery: delivery})
		if err == nil && next < 0 {
			return // delivered or given up: the job will find it so
		}
		if err := q.Retry(context.WithoutCancel(ctx), jobID); err != nil {
			w.Logger.Warn("bringing a callback job forward", "task", taskID, "err", err)
		}
	}()
}

// Close ends the fast path's attempts in flight and waits for them; their
// jobs deliver instead. Call it once, before closing the store.
func (w *Worker) Close() {
	w.init()
	close(w.closing)
	w.inline.Wait()
}

// step decides and, when one is due, makes an attempt of the delivery. It
// returns how long to wait before the next step, or a negative duration
// when the delivery is over.
func (w *Worker) step(ctx context.Context, args jobs.CallbackArgs) (time.Duration, error) {
	t, err := w.Store.Task(ctx, "", args.TaskID)
	if errors.Is(err, task.ErrNotFound) {
		return -1, nil
	} else if err != nil {
		return 0, err
	}
	if t.CallbackURL == "" || t.Status == task.StatusPending {
		return -1, nil
	}
	attempts, err := w.attempts(ctx, args)
	if err != nil {
		return 0, err
	}
	if p := w.plan(t, args.Delivery, attempts, time.Now()); p.over || p.wait > 0 {
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
	a := w.attempt(ctx, t, key, args.Delivery, len(attempts)+1)
	release()
	attempts = append(attempts, a)
	p := w.plan(t, args.Delivery, attempts, time.Now())
	if err := w.settle(ctx, t, p, a); err != nil {
		return 0, err
	}
	return p.waitOrOver(), nil
}

// attempts returns the attempts of one delivery.
func (w *Worker) attempts(ctx context.Context, args jobs.CallbackArgs) ([]*task.Attempt, error) {
	all, err := w.Store.Attempts(ctx, args.TaskID)
	if err != nil {
		return nil, err
	}
	var mine []*task.Attempt
	for _, a := range all {
		if a.Delivery == args.Delivery {
			mine = append(mine, a)
		}
	}
	return mine, nil
}

// settle records what the last attempt means for the task's status.
func (w *Worker) settle(ctx context.Context, t *task.Task, p plan, a *task.Attempt) error {
	log := w.Logger.With("task", t.ID, "attempt", a.Attempt, "status", a.StatusCode)
	ctx = context.WithoutCancel(ctx)
	switch {
	case p.delivered:
		log.Info("callback delivered", "latency", a.Duration.Round(time.Millisecond))
		if t.Status != task.StatusCallbackException {
			return nil
		}
		_, err := w.Store.SetStatus(ctx, t.ID, task.StatusCallbackException, task.StatusSuccess)
		return err
	case p.over:
		log.Warn("callback abandoned", "err", a.Error, "reason", p.reason)
		_, err := w.Store.SetStatus(ctx, t.ID, task.StatusSuccess, task.StatusCallbackException)
		return err
	}
	log.Info("callback attempt failed; will retry", "err", a.Error, "in", p.wait.Round(time.Millisecond))
	return nil
}

// Body returns the callback body of a finished task (contract §4).
func Body(t *task.Task, links *link.Signer) ([]byte, error) {
	ev := webhook.Event{Data: webhook.EventData{TaskID: t.ID}}
	if t.Failed() {
		ev.Code, ev.Msg = t.ErrorCode, t.ErrorMessage
	} else {
		u := links.URL(t.ID, t.ExpiresAt)
		ev.Code, ev.Msg, ev.Data.VideoURL = 200, "MP4 generated successfully.", &u
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep the link's "&" readable
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Secrets returns the secrets that sign now: the current one first, then
// the previous one during a rotation's overlap.
func Secrets(k *task.Key, now time.Time) []string {
	s := []string{k.WebhookSecret}
	if k.PrevWebhookSecret != "" && now.Before(k.PrevSecretUntil) {
		s = append(s, k.PrevWebhookSecret)
	}
	return s
}

// attempt makes one POST and logs it.
func (w *Worker) attempt(ctx context.Context, t *task.Task, k *task.Key, delivery, n int) *task.Attempt {
	now := time.Now()
	a := &task.Attempt{TaskID: t.ID, Delivery: delivery, Attempt: n, At: now}
	err := w.post(ctx, t, k, now, a)
	a.Duration = time.Since(now)
	if err != nil {
		a.Error = err.Error()
	}
	if lerr := w.Store.AddAttempt(context.WithoutCancel(ctx), a); lerr != nil {
		w.Logger.Error("recording callback attempt", "task", t.ID, "err", lerr)
	}
	return a
}

func (w *Worker) post(ctx context.Context, t *task.Task, k *task.Key, now time.Time, a *task.Attempt) error {
	body, err := Body(t, w.Links)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if err := webhook.SetHeaders(req.Header, t.WebhookID, t.ID, now, body, Secrets(k, now)...); err != nil {
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
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			return fmt.Errorf("receiver answered %s; redirects are not followed", resp.Status)
		}
		return fmt.Errorf("receiver answered %s", resp.Status)
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
