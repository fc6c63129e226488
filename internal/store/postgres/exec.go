package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// executor is the shared statements' way into a DB (sqlstore.Executor):
// everything on the pool, jobs through q (nil for none).
type executor struct {
	d *DB
	q Jobs
}

func (e executor) Read() sqlstore.Querier  { return querier{e.d.pool} }
func (e executor) Write() sqlstore.Querier { return querier{e.d.pool} }

// InTx runs fn in a transaction. PostgreSQL's commits are durable by
// default (synchronous_commit = on), so every write survives power loss
// and durable changes nothing.
func (e executor) InTx(ctx context.Context, _ bool, fn func(tx sqlstore.Tx) error) error {
	return pgx.BeginFunc(ctx, e.d.pool, func(tx pgx.Tx) error { return fn(txn{querier{tx}, tx, e.q}) })
}

// conn is what the pool and a transaction share.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// querier is a sqlstore.Querier on a conn: it numbers the shared
// statements' placeholders.
type querier struct{ c conn }

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.c.Exec(ctx, numbered(query), args...)
	return tag.RowsAffected(), err
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := q.c.Query(ctx, numbered(query), args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.c.QueryRow(ctx, numbered(query), args...)
}

// txn is a transaction whose jobs go through q.
type txn struct {
	querier
	tx pgx.Tx
	q  Jobs
}

func (t txn) InsertJobs(ctx context.Context, js ...jobs.Job) ([]int64, error) {
	return sqlstore.InsertJobs(ctx, t.q, t.tx, js)
}

// numbered rewrites the ? placeholders of a statement as PostgreSQL's $1,
// $2, … in order; a ? inside a quoted literal stays.
func numbered(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 32)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
