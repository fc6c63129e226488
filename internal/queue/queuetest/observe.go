package queuetest

import (
	"context"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/queue"
)

// started records the jobs an Observer is told about.
type started chan string

func (s started) JobStarted(kind string, wait time.Duration) {
	if wait < 0 {
		return
	}
	select {
	case s <- kind:
	default: // never block a worker
	}
}

// testCountsAndObserver: Counts gives the jobs waiting by kind and state;
// the Observer hears of each job a worker starts.
func testCountsAndObserver(t *testing.T, e env) {
	ctx := context.Background()
	obs := make(started, 10)
	q := e.open(t, queue.Config{Observer: obs})
	for _, j := range []jobs.Job{
		jobs.Render("now"),
		{Kind: jobs.KindRender, TaskID: "later", RunAt: time.Now().Add(time.Hour)},
		jobs.Callback("now", 1, time.Time{}),
	} {
		if _, err := q.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	got, err := q.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got["render"]["available"] != 1 || got["render"]["scheduled"] != 1 || got["callback"]["available"] != 1 || len(got) != 2 {
		t.Errorf("Counts = %v, want render available 1 scheduled 1, callback available 1", got)
	}

	q.Handle(queue.Workers{Render: func(context.Context, jobs.Run, string) error { return nil }})
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case kind := <-obs:
			if kind != "render" {
				continue // the periodic maintenance jobs run at start too
			}
		case <-deadline:
			t.Fatal("the Observer heard of no render job within 10s")
		}
		break
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err := q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got["render"]["available"] == 0 && got["render"]["running"] == 0 {
			if got["render"]["scheduled"] != 1 {
				t.Errorf("after the render: Counts = %v, want the later one still scheduled", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("render job still waiting or running after 10s: %v", got)
		}
	}
}
