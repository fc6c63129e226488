package sqlite

import (
	"context"
	"database/sql"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// executor is the shared statements' way into a DB (sqlstore.Executor):
// reads on the readers, writes and transactions on the one writer, jobs
// through q (nil for none).
type executor struct {
	d *DB
	q Jobs
}

func (e executor) Read() sqlstore.Querier  { return querier{e.d.read} }
func (e executor) Write() sqlstore.Querier { return querier{e.d.db} }

// InTx runs fn in durableTx when durable, else in inTx.
func (e executor) InTx(ctx context.Context, durable bool, fn func(tx sqlstore.Tx) error) error {
	run := e.d.inTx
	if durable {
		run = e.d.durableTx
	}
	return run(ctx, func(tx *sql.Tx) error { return fn(txn{querier{tx}, tx, e.q}) })
}

// conn is what *sql.DB and *sql.Tx share.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier is a sqlstore.Querier on a conn.
type querier struct{ c conn }

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := q.c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.c.QueryRowContext(ctx, query, args...)
}

// sqlRows is *sql.Rows as sqlstore.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// txn is a transaction whose jobs go through q.
type txn struct {
	querier
	tx *sql.Tx
	q  Jobs
}

func (t txn) InsertJobs(ctx context.Context, js ...jobs.Job) ([]int64, error) {
	return sqlstore.InsertJobs(ctx, t.q, t.tx, js)
}
