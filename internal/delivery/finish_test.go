package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// TestFinishAndRedeliver: Finish ends the task with its callback job queued
// in the same transaction and makes the first attempt at once (no queue is
// running here); a failed fast attempt brings the job forward; Redeliver
// numbers a new delivery and attempts it at once too.
func TestFinishAndRedeliver(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	var got atomic.Int32
	fail := atomic.Bool{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer rcv.Close()
	ctx := context.Background()
	q := f.q
	pending := func(callbackURL string) *mvgen.Task {
		tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: f.key.ID, MusicTaskID: "m", AudioID: "a", CallbackURL: callbackURL,
			Status: mvgen.StatusPending, RenderKey: mvgen.NewID(), WebhookID: "msg_" + mvgen.NewID(), CreatedAt: time.Now()}
		if _, err := f.db.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	done := store.Result{Status: mvgen.StatusSuccess, VideoKey: "v", CompletedAt: time.Now(), ExpiresAt: time.Now().Add(link.Validity)}
	waitAttempts := func(id string, n int) []*mvgen.Attempt {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if a := f.attempts(id); len(a) >= n {
				return a
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("task %s: %d attempts, want %d", id, len(f.attempts(id)), n)
		return nil
	}
	callbackJobs := func(id string) []jobs.Queued {
		t.Helper()
		js, err := q.Jobs(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var cbs []jobs.Queued
		for _, j := range js {
			if j.Kind == jobs.KindCallback {
				cbs = append(cbs, j)
			}
		}
		return cbs
	}

	tk := pending(rcv.URL)
	if err := f.w.Finish(ctx, tk, done); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if a := waitAttempts(tk.ID, 1); !a[0].OK() || a[0].Delivery != 1 {
		t.Errorf("fast attempt = %+v, want delivery 1 accepted", a[0])
	}
	if cbs := callbackJobs(tk.ID); len(cbs) != 1 || cbs[0].State != "scheduled" || cbs[0].Delivery != 1 {
		t.Errorf("callback jobs = %+v, want delivery 1 scheduled as the fallback", cbs)
	}
	if err := f.w.Finish(ctx, tk, done); err != nil {
		t.Errorf("Finish of a finished task = %v, want nil (nothing more to do)", err)
	}

	fail.Store(true)
	d, err := f.w.Redeliver(ctx, tk)
	if err != nil || d != 2 {
		t.Fatalf("Redeliver = %d, %v; want delivery 2", d, err)
	}
	a := waitAttempts(tk.ID, 2)
	if a[1].Delivery != 2 || a[1].StatusCode != 500 {
		t.Errorf("redelivery's fast attempt = %+v, want delivery 2 answered 500", a[1])
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cbs := callbackJobs(tk.ID); len(cbs) == 2 && cbs[1].State == "available" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if cbs := callbackJobs(tk.ID); len(cbs) != 2 || cbs[1].State != "available" {
		t.Errorf("after a failed fast attempt the job is not brought forward: %+v", cbs)
	}

	plain := pending("")
	if err := f.w.Finish(ctx, plain, done); err != nil {
		t.Fatal(err)
	}
	if cbs := callbackJobs(plain.ID); len(cbs) != 0 {
		t.Errorf("a task without callBackUrl queued %d callback jobs", len(cbs))
	}
	if got := f.status(plain.ID); got != mvgen.StatusSuccess {
		t.Errorf("status = %s, want SUCCESS", got)
	}
}
