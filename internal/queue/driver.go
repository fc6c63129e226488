package queue

import (
	"context"
	"time"

	"github.com/riverqueue/river/riverdriver"
)

// Driver is a database as the queue uses it: River's driver on the
// database's handle, and mvgen's own statements about nodes and the jobs
// they run. As with River's riverdriver, the queue holds no SQL: it drives
// the client on one side of this interface, and each database's driver
// holds its statements in its dialect (internal/store/sqlite's and
// internal/store/postgres's DB.QueueDriver).
type Driver[TTx any] interface {
	// River is River's driver on the database's handle; TTx is the type of
	// the transactions the store inserts jobs in (Queue.InsertTx).
	River() riverdriver.Driver[TTx]
	// Schema is the schema that holds River's tables, "" for the
	// connection's current one.
	Schema() string

	// RequeueRunning makes every "running" job available again, counting
	// a crash on each (CrashKey), and returns how many. A driver whose
	// database several nodes share does nothing and returns 0: a running
	// job may be running on another node.
	RequeueRunning(ctx context.Context) (int, error)
	// Heartbeat records that node is alive at at.
	Heartbeat(ctx context.Context, node string, at time.Time) error
	// Rescue makes "running" jobs whose worker (the last client id of the
	// job's attempted_by; a job with none counts as orphaned) has not
	// heartbeated since deadBefore available again, counting a crash on
	// each, and forgets the nodes silent since then, in one transaction.
	// It returns how many jobs it rescued.
	Rescue(ctx context.Context, deadBefore time.Time) (int, error)
	// JobIDs lists the ids of the fetch, render and callback jobs whose
	// arguments name taskID, in id order.
	JobIDs(ctx context.Context, taskID string) ([]int64, error)
	// Counts counts the jobs that wait or run ("available", "scheduled",
	// "retryable", "running") over the whole database, by kind and state.
	Counts(ctx context.Context) (map[string]map[string]int, error)
}

// CrashKey is the job metadata field that counts a job's crashes: a
// Driver's RequeueRunning and Rescue add one to it, and workers see it as
// jobs.Run.Crashes.
const CrashKey = "mvgen_crashes"
