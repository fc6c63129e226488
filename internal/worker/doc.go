// Package worker holds mvgen's render and retention jobs: a render resolves
// a task's source, runs the renderer, stores the video and hands the result
// to internal/delivery, which ends the task and sends its callback. The
// queue (internal/queue) calls Render.Work and Purge.Work.
package worker
