// Package worker holds mvgen's render and retention jobs: it resolves a
// task's source, runs the renderer, stores the video and queues the callback
// in the same transaction that finishes the task.
package worker
