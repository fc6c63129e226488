// Package queue is mvgen's job queue: River's client, and operations shaped
// for mvgen on it.
//
// The queue holds no SQL and names no table. It runs on a Driver
// (driver.go) that a store driver gives for its database (DB.QueueDriver
// of internal/store/sqlite and internal/store/postgres): River's driver on
// the database's handle, and mvgen's statements about nodes and running
// jobs in the database's dialect. As with River's riverdriver, the client
// is on one side of the interface and each database's SQL on the other.
// The store is built last, given the queue, so that it inserts a job in
// the same transaction that makes it due (InsertTx):
//
//	db, _ := sqlite.Open(ctx, path)          // the database, migrated
//	q, _ := queue.New(db.QueueDriver(), cfg) // the queue on it
//	s := sqlite.NewStore(db, q)              // the store on both
//
// Everyone else gets mvgen-shaped operations: register the workers
// (Handle), enqueue and retry a job now, start and stop, requeue the work a
// killed process left running, and record heartbeats and rescue the jobs of
// a node that died. Workers and stores speak internal/jobs; nothing outside
// this package and the store drivers imports River. internal/queue/queuetest
// is the suite every driver runs against its database.
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
// has a crash counted in its metadata (CrashKey); workers see it as
// jobs.Run.Crashes, and a job that has crashed jobs.MaxCrashes times fails
// its task instead of running again (a callback job is cancelled). River's
// own stuck-job rescue remains the backstop and does not count.
package queue
