// Package queue is mvgen's job queue: the one package that knows River.
//
// It creates and runs a River client over the store's own database handle
// (SQLite's *sql.DB or PostgreSQL's pgx pool), so that a store driver can
// insert a job in the same transaction that makes it due (InsertTx), and
// offers mvgen-shaped operations to everyone else: register the workers
// (Handle), enqueue and retry a job now, start and stop, requeue the work a
// killed process left running, and record heartbeats and rescue the jobs of
// a node that died. Workers and drivers speak internal/jobs; nothing outside
// this package, the drivers' migration glue and internal/server imports River.
//
// # Settings
//
// River's defaults suit short jobs (one-minute timeout, stuck jobs rescued
// after an hour). A render may run Config.RenderTimeout (30 minutes by
// default: a 15-minute track at half real time), so River's job timeout is
// that, and its stuck-job rescue RenderTimeout+5m. A node that dies
// mid-render is noticed sooner: every node records a heartbeat each
// HeartbeatInterval, and a periodic job makes "running" jobs whose node has
// been silent for DeadAfter available again.
//
// Fetch jobs (remote sources) have a queue and workers of their own
// (Config.FetchWorkers), so a slow download never holds a render worker.
//
// # Crashes
//
// Every job put back after its worker died (RequeueRunning, RescueOrphans)
// has a crash counted in its metadata; workers see it as jobs.Run.Crashes,
// and a job that has crashed jobs.MaxCrashes times fails its task instead of
// running again (a callback job is cancelled). River's own stuck-job rescue
// remains the backstop and does not count.
package queue
