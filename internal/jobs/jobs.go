// Package jobs names mvgen's background job kinds and their queues. The
// workers live with what they do (internal/worker for renders and retention,
// internal/delivery for callbacks); this package is the neutral vocabulary the
// API and the stores insert with.
package jobs

import "github.com/riverqueue/river"

// Queue names.
const (
	QueueRender   = "render"
	QueueCallback = "callback"
	QueueMaintain = river.QueueDefault
)

// RenderArgs asks for task TaskID to be rendered.
type RenderArgs struct {
	TaskID string `json:"taskId"`
}

// Kind implements river.JobArgs.
func (RenderArgs) Kind() string { return "render" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RenderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueRender, MaxAttempts: RenderMaxAttempts}
}

// RenderMaxAttempts bounds retries of renders that fail for internal reasons
// (a crash, a full disk); unusable sources fail at once.
const RenderMaxAttempts = 3

// CallbackArgs asks for task TaskID's completion callback to be delivered.
type CallbackArgs struct {
	TaskID string `json:"taskId"`
	// Delivery numbers the delivery: 1 when the task finished, 2, 3, ...
	// for redeliveries requested through the API. Attempts count per delivery.
	Delivery int `json:"delivery"`
}

// Kind implements river.JobArgs.
func (CallbackArgs) Kind() string { return "callback" }

// InsertOpts implements river.JobArgsWithInsertOpts. The delivery worker's
// schedule decides when to give up (it cancels the job after its last
// attempt), so River's own attempt limit is only a backstop above it.
func (CallbackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCallback, MaxAttempts: 100}
}

// PurgeArgs asks for expired videos to be deleted (a periodic job).
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "purge" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintain}
}

// RescueArgs asks for jobs of dead nodes to be made available (periodic).
type RescueArgs struct{}

// Kind implements river.JobArgs.
func (RescueArgs) Kind() string { return "rescue" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RescueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintain, MaxAttempts: 1}
}
