// Package worker holds mvgen's fetch, render and retention jobs.
//
// A task whose track has remote sources starts with a fetch (Fetch.Work):
// its audio and cover are downloaded through the SSRF guard into the blob
// store, bounded by a minimum transfer rate and an overall deadline, and
// then recorded with the task's render job in one transaction; a source
// that cannot be had fails the task with 451 at once. A render
// (Render.Work) only ever reads stored files: it resolves the task's
// source (an upload or the fetched copies), runs the renderer, stores the
// video under a key of the task's own and hands the result to
// internal/delivery, which ends the task and sends its callback; then the
// fetched copies are deleted. A render or fetch that has crashed its worker
// jobs.MaxCrashes times fails its task instead of running again.
//
// Each job reads its task and its track once. A task cancelled by its
// caller (internal/delivery's Cancel) has its running fetch or render
// cancelled through the queue, on whichever node runs it: the job's
// context ends with the cause jobs.ErrCancelled, and the worker stops,
// keeps nothing it made (no video, no fetched copies) and ends the job; a
// shutdown (any other cause) puts the job back instead.
//
// The periodic purge (Purge.Work) deletes video files after their
// retention (the file first, then the row, and only while the row still
// names that file), fetched copies that a crash left behind, and uploaded
// sources after --source-retention that no pending task needs.
//
// The queue (internal/queue) calls Fetch.Work, Render.Work and Purge.Work.
package worker
