// Package delivery sends task completion callbacks (contract §4-5): it builds
// the body, signs it with both schemes, POSTs it through the SSRF-guarded
// client, logs every attempt and retries on the contract's schedule.
package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
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

// DefaultTimeout is how long a receiver has to answer 2xx.
const DefaultTimeout = 15 * time.Second

// responseCap is how much of an answer the attempt log keeps.
const responseCap = 1024

// Worker is the River worker for jobs.CallbackArgs.
type Worker struct {
	river.WorkerDefaults[jobs.CallbackArgs]

	Store store.Store
	// Client sends the callbacks. It must be netguard's client: it refuses
	// blocked addresses at connect time and does not follow redirects.
	Client *http.Client
	Links  *link.Signer
	// Schedule is the delay before each retry; nil means DefaultSchedule.
	Schedule []time.Duration
	Logger   *slog.Logger
}

// Work implements river.Worker: one delivery attempt.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.CallbackArgs]) error {
	t, err := w.Store.Task(ctx, "", job.Args.TaskID)
	if errors.Is(err, task.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if t.CallbackURL == "" {
		return nil
	}
	key, err := w.Store.Key(ctx, t.KeyID)
	if err != nil {
		return fmt.Errorf("loading key of task %s: %w", t.ID, err)
	}
	status, err := w.attempt(ctx, t, key, job.Attempt)
	log := w.Logger.With("task", t.ID, "attempt", job.Attempt, "url", t.CallbackURL)
	if err == nil {
		log.Info("callback delivered", "status", status)
		if _, err := w.Store.SetStatus(ctx, t.ID, task.StatusCallbackException, task.StatusSuccess); err != nil {
			return err
		}
		return nil
	}
	last := job.Attempt > len(w.schedule())
	if status == http.StatusGone || last {
		log.Warn("callback abandoned", "status", status, "err", err)
		if _, serr := w.Store.SetStatus(ctx, t.ID, task.StatusSuccess, task.StatusCallbackException); serr != nil {
			return serr
		}
		return river.JobCancel(err)
	}
	log.Info("callback attempt failed; will retry", "status", status, "err", err)
	return err
}

// NextRetry implements river.Worker with the contract's schedule.
func (w *Worker) NextRetry(job *river.Job[jobs.CallbackArgs]) time.Time {
	s := w.schedule()
	i := min(max(job.Attempt-1, 0), len(s)-1)
	return time.Now().Add(Jitter(s[i]))
}

// Timeout implements river.Worker: the HTTP timeout plus room to log.
func (w *Worker) Timeout(*river.Job[jobs.CallbackArgs]) time.Duration {
	return DefaultTimeout + 15*time.Second
}

func (w *Worker) schedule() []time.Duration {
	if len(w.Schedule) > 0 {
		return w.Schedule
	}
	return DefaultSchedule
}

// Jitter spreads d uniformly over ±20%.
func Jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
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

// attempt makes one POST and records it. It returns the HTTP status (0 when
// none arrived) and a non-nil error unless the receiver answered 2xx.
func (w *Worker) attempt(ctx context.Context, t *task.Task, k *task.Key, n int) (int, error) {
	body, err := Body(t, w.Links)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if err := webhook.SetHeaders(req.Header, t.WebhookID, t.ID, now, body, Secrets(k, now)...); err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "mvgen-webhook")

	a := &task.Attempt{TaskID: t.ID, Attempt: n, At: now}
	resp, err := w.Client.Do(req)
	if err == nil {
		var head []byte
		head, err = io.ReadAll(io.LimitReader(resp.Body, responseCap))
		resp.Body.Close()
		a.StatusCode, a.Response = resp.StatusCode, string(head)
		if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			err = fmt.Errorf("receiver answered %s", resp.Status)
		}
	}
	a.Duration = time.Since(now)
	if err != nil {
		a.Error = err.Error()
	}
	if lerr := w.Store.AddAttempt(context.WithoutCancel(ctx), a); lerr != nil {
		w.Logger.Error("recording callback attempt", "task", t.ID, "err", lerr)
	}
	return a.StatusCode, err
}
