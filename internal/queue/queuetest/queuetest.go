// Package queuetest is the one suite of the job queue (internal/queue) on a
// real database: every store driver runs it from its own tests with its
// queue.Driver, as River's riverdrivertest runs against each of River's
// drivers. The driver's test supplies the one thing the suite cannot do
// through the queue: leave jobs as a crash does (Env.Running).
package queuetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/queue"
)

// Env is a new, migrated database as the suite uses it.
type Env[TTx any] struct {
	// Driver is the queue's driver on the database; the suite starts
	// several queues (nodes) on it.
	Driver queue.Driver[TTx]
	// Running puts the jobs of task taskID in the state a crash leaves:
	// running, attempted by attemptedBy (the last one is the worker; nil
	// leaves attempted_by empty).
	Running func(t *testing.T, taskID string, attemptedBy []string)
	// Shared says that several nodes may share the database, so that
	// RequeueRunning does nothing.
	Shared bool
}

// Run runs the suite, each test on a database that open returns.
func Run[TTx any](t *testing.T, open func(t *testing.T) Env[TTx]) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, e env)
	}{
		{"RescueOrphans", testRescueOrphans},
		{"RequeueRunning", testRequeueRunning},
		{"Outcomes", testOutcomes},
		{"CrashCount", testCrashCount},
		{"CountsAndObserver", testCountsAndObserver}, // observe.go
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			tt.fn(t, env{running: db.Running, shared: db.Shared,
				open: func(t *testing.T, cfg queue.Config) queued {
					q, err := queue.New(db.Driver, cfg)
					if err != nil {
						t.Fatal(err)
					}
					return q
				}})
		})
	}
}

// env is an Env without its transaction type.
type env struct {
	open    func(t *testing.T, cfg queue.Config) queued // another queue (node) on the same database
	running func(t *testing.T, taskID string, attemptedBy []string)
	shared  bool
}

// queued is the part of *queue.Queue[TTx] the tests use, whatever TTx.
type queued interface {
	Enqueue(ctx context.Context, j jobs.Job) (int64, error)
	Jobs(ctx context.Context, taskID string) ([]jobs.Queued, error)
	RetryNow(ctx context.Context, id int64) error
	Handle(w queue.Workers)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	RequeueRunning(ctx context.Context) (int, error)
	Heartbeat(ctx context.Context, at time.Time) error
	RescueOrphans(ctx context.Context, deadBefore time.Time) (int, error)
	Counts(ctx context.Context) (map[string]map[string]int, error)
}

func state(t *testing.T, q queued, taskID string) string {
	t.Helper()
	js, err := q.Jobs(context.Background(), taskID)
	if err != nil || len(js) != 1 {
		t.Fatalf("Jobs(%s) = %v, %v; want one job", taskID, js, err)
	}
	return js[0].State
}

// testRescueOrphans: running jobs whose node stopped heartbeating become
// available again and another node runs them; the job of a live node stays
// running, and so does the last attempt's (SQLite's json_extract(attempted_by,
// '$[#-1]'), PostgreSQL's attempted_by[array_length(attempted_by, 1)]).
func testRescueOrphans(t *testing.T, e env) {
	ctx := context.Background()
	q := e.open(t, queue.Config{Node: "checker"})
	running := map[string][]string{ // task id → attempted_by of its render job
		"dead":  {"dead-node"},              // never heartbeated
		"stale": {"other", "stale-node"},    // last heartbeat an hour ago
		"live":  {"dead-node", "live-node"}, // heartbeats; the last attempt counts
		"none":  nil,                        // no attempted_by at all
	}
	for id, by := range running {
		if _, err := q.Enqueue(ctx, jobs.Render(id)); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		e.running(t, id, by)
	}
	now := time.Now()
	stale := e.open(t, queue.Config{Node: "stale-node"})
	if err := stale.Heartbeat(ctx, now.Add(-time.Hour)); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	live := e.open(t, queue.Config{Node: "live-node"})
	for _, at := range []time.Time{now.Add(-time.Minute), now} { // the second one updates
		if err := live.Heartbeat(ctx, at); err != nil {
			t.Fatalf("Heartbeat: %v", err)
		}
	}
	n, err := q.RescueOrphans(ctx, now.Add(-30*time.Second))
	if err != nil || n != 3 {
		t.Fatalf("RescueOrphans = %d, %v; want 3", n, err)
	}
	for id, want := range map[string]string{"dead": "available", "stale": "available", "none": "available", "live": "running"} {
		if got := state(t, q, id); got != want {
			t.Errorf("job of %s: state %s, want %s", id, got, want)
		}
	}
	if n, err := q.RescueOrphans(ctx, now.Add(-30*time.Second)); err != nil || n != 0 {
		t.Errorf("second RescueOrphans = %d, %v; want 0", n, err)
	}

	// Another node picks the rescued jobs up.
	ran := make(chan string, 10)
	rescuer := e.open(t, queue.Config{Node: "rescuer", RenderWorkers: 4})
	rescuer.Handle(queue.Workers{Render: func(_ context.Context, _ jobs.Run, taskID string) error {
		ran <- taskID
		return nil
	}})
	if err := rescuer.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer stop(t, rescuer)
	var got []string
	timeout := time.After(20 * time.Second)
	for len(got) < 3 {
		select {
		case id := <-ran:
			got = append(got, id)
		case <-timeout:
			t.Fatalf("rescued jobs run: %v, want dead, none and stale", got)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"dead", "none", "stale"}) {
		t.Errorf("rescued jobs run = %v, want [dead none stale]", got)
	}
	select {
	case id := <-ran:
		t.Errorf("job of %s ran, though its node is alive", id)
	case <-time.After(200 * time.Millisecond):
	}
}

// testRequeueRunning: on the embedded database a job left running by a
// dead process is made available at start; on a shared one nothing moves.
func testRequeueRunning(t *testing.T, e env) {
	ctx := context.Background()
	q := e.open(t, queue.Config{})
	if _, err := q.Enqueue(ctx, jobs.Render("left")); err != nil {
		t.Fatal(err)
	}
	e.running(t, "left", []string{"gone"})
	n, err := q.RequeueRunning(ctx)
	want, wantState := 1, "available"
	if e.shared {
		want, wantState = 0, "running"
	}
	if err != nil || n != want {
		t.Errorf("RequeueRunning = %d, %v; want %d", n, err, want)
	}
	if got := state(t, q, "left"); got != wantState {
		t.Errorf("state = %s, want %s", got, wantState)
	}
}

// testOutcomes: a worker's jobs.Snooze, jobs.Cancel and plain errors map to
// the queue's states, and RetryNow brings a scheduled job forward.
func testOutcomes(t *testing.T, e env) {
	ctx := context.Background()
	q := e.open(t, queue.Config{Node: "worker"})
	runs := make(chan jobs.Run, 10)
	q.Handle(queue.Workers{Callback: func(_ context.Context, run jobs.Run, taskID string, delivery int) error {
		runs <- run
		switch taskID {
		case "snooze":
			return jobs.Snooze(time.Hour)
		case "cancel":
			return jobs.Cancel(errors.New("no such task"))
		case "fail":
			return errors.New("boom")
		}
		return nil
	}})
	for _, id := range []string{"snooze", "cancel", "fail", "ok"} {
		if _, err := q.Enqueue(ctx, jobs.Callback(id, 1, time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	later, err := q.Enqueue(ctx, jobs.Callback("later", 2, time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stop(t, q)
	want := map[string]string{"snooze": "scheduled", "cancel": "cancelled", "fail": "retryable", "ok": "completed"}
	deadline := time.Now().Add(15 * time.Second)
	for id, w := range want {
		for state(t, q, id) != w && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := state(t, q, id); got != w {
			t.Errorf("job %s: state %s, want %s", id, got, w)
		}
	}
	if got := state(t, q, "later"); got != "scheduled" {
		t.Errorf("scheduled job: state %s, want scheduled", got)
	}
	if err := q.RetryNow(ctx, later); err != nil {
		t.Fatal(err)
	}
	for state(t, q, "later") != "completed" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	js, _ := q.Jobs(ctx, "later")
	if js[0].State != "completed" || js[0].Delivery != 2 {
		t.Errorf("after RetryNow: %+v, want delivery 2 completed", js[0])
	}
}

func stop(t *testing.T, q queued) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// testCrashCount: every time a job is found running after its worker died
// (RescueOrphans on any database, RequeueRunning on the embedded one) a
// crash is counted, and the worker sees the count, so a job that kills its
// process is failed instead of run forever.
func testCrashCount(t *testing.T, e env) {
	ctx := context.Background()
	q := e.open(t, queue.Config{Node: "crash-checker"})
	if _, err := q.Enqueue(ctx, jobs.Render("crashy")); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Enqueue(ctx, jobs.Fetch("crashy-fetch")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= jobs.MaxCrashes; i++ {
		e.running(t, "crashy", []string{"dead-node"})
		requeue := func() (int, error) { return q.RescueOrphans(ctx, time.Now().Add(-time.Second)) }
		if !e.shared && i%2 == 0 {
			requeue = func() (int, error) { return q.RequeueRunning(ctx) }
		}
		if n, err := requeue(); err != nil || n != 1 {
			t.Fatalf("crash %d: requeued %d, %v; want 1", i, n, err)
		}
		js, err := q.Jobs(ctx, "crashy")
		if err != nil || len(js) != 1 {
			t.Fatalf("Jobs = %v, %v", js, err)
		}
		if js[0].Crashes != i || js[0].State != "available" {
			t.Errorf("after crash %d: crashes %d state %s, want %d available", i, js[0].Crashes, js[0].State, i)
		}
	}
	runs := make(chan jobs.Run, 2)
	w := e.open(t, queue.Config{Node: "crash-worker"})
	w.Handle(queue.Workers{
		Render: func(_ context.Context, run jobs.Run, _ string) error { runs <- run; return nil },
		Fetch:  func(_ context.Context, run jobs.Run, _ string) error { runs <- run; return nil },
	})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stop(t, w)
	got := map[int]bool{}
	for range 2 {
		select {
		case run := <-runs:
			got[run.Crashes] = run.Crashed()
		case <-time.After(20 * time.Second):
			t.Fatalf("the jobs did not run; got %v", got)
		}
	}
	if crashed, ok := got[jobs.MaxCrashes]; !ok || !crashed {
		t.Errorf("the requeued job ran with crashes %v, want %d and Crashed()", got, jobs.MaxCrashes)
	}
	if crashed, ok := got[0]; !ok || crashed {
		t.Errorf("the fetch job that never crashed ran with %v, want 0 and not Crashed()", got)
	}
}
