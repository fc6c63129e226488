package queue_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
	"github.com/mvgen/mvgen/internal/store/sqlite"
)

// canceller is the part of *queue.Queue[TTx] TestCancelWork uses.
type canceller interface {
	Enqueue(ctx context.Context, j jobs.Job) (int64, error)
	Jobs(ctx context.Context, taskID string) ([]jobs.Queued, error)
	Handle(w queue.Workers)
	Start(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	CancelWork(ctx context.Context, taskID string) (int, error)
}

// TestCancelWork: CancelWork ends the context of the task's running fetch
// and render with jobs.ErrCancelled as the cause, and of no other task's
// job; a shutdown's cause is another. On PostgreSQL it is called on a node
// that does not work (its queue not started) and reaches the node that
// does.
func TestCancelWork(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mvgen.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		q, err := queue.New(db.QueueDriver(), queue.Config{RenderWorkers: 2})
		if err != nil {
			t.Fatal(err)
		}
		cancelWork(t, q, q)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		var qs [2]canceller
		for i, node := range []string{"api", "work"} {
			q, err := queue.New(db.QueueDriver(), queue.Config{Node: node, RenderWorkers: 2})
			if err != nil {
				t.Fatal(err)
			}
			qs[i] = q
		}
		cancelWork(t, qs[0], qs[1])
	})
}

// cancelWork cancels through api the jobs that work runs.
func cancelWork(t *testing.T, api, work canceller) {
	ctx := context.Background()
	type ended struct {
		job   string
		cause error
	}
	started, stopped := make(chan string, 3), make(chan ended, 3)
	block := func(kind string) func(ctx context.Context, _ jobs.Run, taskID string) error {
		return func(ctx context.Context, _ jobs.Run, taskID string) error {
			started <- kind + " " + taskID
			<-ctx.Done()
			stopped <- ended{kind + " " + taskID, context.Cause(ctx)}
			return ctx.Err()
		}
	}
	work.Handle(queue.Workers{Fetch: block("fetch"), Render: block("render")})
	if err := work.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, j := range []jobs.Job{jobs.Fetch("a"), jobs.Render("a"), jobs.Render("b")} {
		if _, err := api.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("the jobs did not all start")
		}
	}

	n, err := api.CancelWork(ctx, "a")
	if err != nil || n != 2 {
		t.Fatalf("CancelWork(a) = %d, %v; want 2 jobs reached", n, err)
	}
	for range 2 {
		select {
		case e := <-stopped:
			if e.job == "render b" || !errors.Is(e.cause, jobs.ErrCancelled) {
				t.Errorf("%s stopped with cause %v, want only task a's jobs, with jobs.ErrCancelled", e.job, e.cause)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("task a's jobs still run 5 s after CancelWork")
		}
	}
	// A job that returns an error once cancelled ends cancelled.
	var js []jobs.Queued
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if js, err = api.Jobs(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if len(js) == 2 && js[0].State == "cancelled" && js[1].State == "cancelled" || time.Now().After(deadline) {
			break
		}
	}
	for _, j := range js {
		if j.State != "cancelled" {
			t.Errorf("%s job of task a is %s, want cancelled", j.Kind, j.State)
		}
	}
	if n, err := api.CancelWork(ctx, "a"); err != nil || n != 0 {
		t.Errorf("CancelWork(a) again = %d, %v; want 0, nil", n, err)
	}

	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := work.StopAndCancel(stopCtx); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-stopped:
		if e.job != "render b" || e.cause == nil || errors.Is(e.cause, jobs.ErrCancelled) {
			t.Errorf("at shutdown %s stopped with cause %v, want render b with a cause other than jobs.ErrCancelled", e.job, e.cause)
		}
	default:
		t.Error("render b did not stop at shutdown")
	}
}
