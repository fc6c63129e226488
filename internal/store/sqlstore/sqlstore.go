// Package sqlstore is the SQL that mvgen's two store drivers share: every
// store.Store statement and the job queue's statements about nodes
// (Nodes), each written once where SQLite and PostgreSQL agree.
//
// A driver (internal/store/sqlite, internal/store/postgres) keeps what is
// its database's own: connecting, migrations, transactions and their
// durability, and its Dialect (how a time is written, the clauses one
// database has and the other lacks, the few statements that differ
// throughout). It reaches this package through an Executor, and SQLite's
// driver replaces CreateTask with its group commit around InsertTask.
//
// Statements are written with ? placeholders; PostgreSQL's driver numbers
// them ($1, $2, …) as it runs them.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/seal"
)

// Querier runs statements, on a database's handle or in a transaction.
type Querier interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query for one row; its Scan returns an error that
	// matches sql.ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Row is one row of a result.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result read row by row.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Tx is a transaction: its statements and the jobs it queues commit
// together.
type Tx interface {
	Querier
	// InsertJobs queues js in the transaction and returns their ids (see
	// InsertJobs).
	InsertJobs(ctx context.Context, js ...jobs.Job) ([]int64, error)
}

// Executor is a driver's database as the shared statements reach it.
type Executor interface {
	// Read is where reads go that no transaction waits on (SQLite's
	// readers, which never wait for its writer).
	Read() Querier
	// Write is where single writes go.
	Write() Querier
	// InTx runs fn in a transaction, committed if fn returns nil. A
	// durable commit has reached the disk when InTx returns, so it
	// survives power loss (every PostgreSQL commit is durable).
	InTx(ctx context.Context, durable bool, fn func(tx Tx) error) error
}

// Dialect is what differs between the databases once placeholders are
// numbered alike.
type Dialect struct {
	// Time is the value written for a time; the zero time is "unset".
	// (Reads accept either database's form: see at.)
	Time func(t time.Time) any
	// NoTime completes the condition that a time column is unset, as the
	// partial indexes state it: "= 0" or "IS NULL".
	NoTime string
	// False is false as the partial indexes compare a flag with it.
	False string
	// ForUpdate ends a SELECT whose rows the transaction goes on to
	// change, where writers run concurrently (" FOR UPDATE"); SkipLocked
	// is the same for a purge that other nodes may run at the same time.
	// Both are "" where one writer runs at a time.
	ForUpdate, SkipLocked string
	// AttemptSeq is the column that keeps callback attempts recorded at
	// the same instant in insertion order.
	AttemptSeq string
	// LockIdempotencyKey, unless "", runs before a task's idempotency key
	// is looked up (arguments: key id, idempotency key), so that requests
	// carrying the same one wait for each other.
	LockIdempotencyKey string
	// UpsertVideo records a rendered video under its render key, keeping
	// the latest expiry of every task that links to it (arguments: render
	// key, blob key, created, expires, size).
	UpsertVideo string
	// SyncedLyrics tells, from an mvgen_track row's lyrics and
	// lyrics_format, whether its lyrics are synced, for rows without the
	// synced_lyrics flag (written by a binary older than migration 008,
	// which backfills existing rows with the same test): timestamped
	// lyrics always are (the upstream lookup keeps only timed ones); LRC
	// is when a line starts with a time tag, "[" and a digit (the first
	// line possibly after a byte-order mark). Uploads since record the
	// parser's answer, which also says no for LRC whose timed lines are all
	// empty.
	SyncedLyrics string

	// Shared says that several nodes share the database, so a "running"
	// job may be running elsewhere: RequeueRunning does nothing.
	Shared bool
	// CountCrash is the SET clause that counts a crash in a river_job
	// row's metadata (queue.CrashKey).
	CountCrash string
	// Worker is a river_job row's last attempting client id (NULL for
	// none), TaskArg the taskId of its arguments.
	Worker, TaskArg string
}

// Store is store.Store (but Close) on a driver's database.
type Store struct {
	db     Executor
	d      *Dialect
	tracks trackSelects
	key    *seal.Key // seals the secrets; nil: plain text (secrets.go)
}

// New returns the shared statements on db, in dialect d.
func New(db Executor, d *Dialect, opts ...Option) *Store {
	s := &Store{db: db, d: d, tracks: newTrackSelects(d)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Jobs is the job queue as transactions insert into it: internal/queue's
// Queue[TTx] on the same database.
type Jobs[TTx any] interface {
	InsertTx(ctx context.Context, tx TTx, js ...jobs.Job) ([]int64, error)
}

// InsertJobs queues js in tx through q, for a driver's Tx. No jobs is
// nothing to do; without a queue (a store for commands that only manage
// keys) it is an error.
func InsertJobs[TTx any](ctx context.Context, q Jobs[TTx], tx TTx, js []jobs.Job) ([]int64, error) {
	if len(js) == 0 {
		return []int64{}, nil
	}
	if q == nil {
		return nil, errors.New("queueing jobs: store opened without a job queue")
	}
	return q.InsertTx(ctx, tx, js...)
}

// timeCol scans a time column as either database keeps it: Unix
// milliseconds, 0 when unset (SQLite), or a timestamptz, NULL when unset,
// where ±infinity reads as unset too (PostgreSQL). Times read are in UTC.
type timeCol time.Time

// at scans into *t.
func at(t *time.Time) *timeCol { return (*timeCol)(t) }

func (c *timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = timeCol{}
	case int64:
		*c = timeCol{}
		if v != 0 {
			*c = timeCol(time.UnixMilli(v).UTC())
		}
	case time.Time:
		*c = timeCol(v.UTC())
	case string:
		if v != "infinity" && v != "-infinity" {
			return fmt.Errorf("reading a time: %q", v)
		}
		*c = timeCol{}
	default:
		return fmt.Errorf("reading a time: unexpected %T", src)
	}
	return nil
}

// collect reads every row of a query with scan.
func collect[T any](rows Rows, err error, scan func(Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// notFound maps "no rows" to what, the store's not-found error.
func notFound(err error, what error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return what
	}
	return err
}
