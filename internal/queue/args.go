package queue

import (
	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/jobs"
)

// Queue names.
const (
	queueFetch    = "fetch"
	queueRender   = "render"
	queueCallback = "callback"
	queueMaintain = river.QueueDefault
)

// fetchArgs is the River form of jobs.KindFetch.
type fetchArgs struct {
	TaskID string `json:"taskId"`
}

func (fetchArgs) Kind() string { return string(jobs.KindFetch) }

func (fetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueFetch, MaxAttempts: jobs.FetchMaxAttempts}
}

// renderArgs is the River form of jobs.KindRender.
type renderArgs struct {
	TaskID string `json:"taskId"`
}

func (renderArgs) Kind() string { return string(jobs.KindRender) }

func (renderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueRender, MaxAttempts: jobs.RenderMaxAttempts}
}

// callbackArgs is the River form of jobs.KindCallback.
type callbackArgs struct {
	TaskID   string `json:"taskId"`
	Delivery int    `json:"delivery"`
}

func (callbackArgs) Kind() string { return string(jobs.KindCallback) }

func (callbackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueCallback, MaxAttempts: jobs.CallbackMaxAttempts}
}

// purgeArgs is the periodic retention purge.
type purgeArgs struct{}

func (purgeArgs) Kind() string { return "purge" }

func (purgeArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueMaintain} }

// rescueArgs is the periodic rescue of dead nodes' jobs.
type rescueArgs struct{}

func (rescueArgs) Kind() string { return "rescue" }

func (rescueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueMaintain, MaxAttempts: 1}
}

// params translates a job into River's insert parameters.
func params(j jobs.Job) river.InsertManyParams {
	var p river.InsertManyParams
	switch j.Kind {
	case jobs.KindFetch:
		p.Args = fetchArgs{TaskID: j.TaskID}
	case jobs.KindRender:
		p.Args = renderArgs{TaskID: j.TaskID}
	case jobs.KindCallback:
		p.Args = callbackArgs{TaskID: j.TaskID, Delivery: j.Delivery}
	default:
		panic("queue: unknown job kind " + string(j.Kind))
	}
	if !j.RunAt.IsZero() {
		p.InsertOpts = &river.InsertOpts{ScheduledAt: j.RunAt}
	}
	return p
}
