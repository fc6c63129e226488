package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/mvgen/mvgen/internal/store"
)

// DB is a store.Store on a PostgreSQL database that several nodes may share.
type DB struct {
	pool  *pgxpool.Pool
	river *river.Client[pgx.Tx]
}

var _ store.Store = (*DB)(nil)

// Open connects to the database that dsn names (see the package
// documentation for its search_path and pool_max_conns parameters) and
// migrates it. riverConfig configures the job queue; nil gives an
// insert-only queue (for commands such as `mvgen keys` that only write). Its
// Schema, when set, must be the DSN's search_path schema; when empty, Open
// sets it to that schema on a copy.
func Open(ctx context.Context, dsn string, riverConfig *river.Config) (*DB, error) {
	pool, schema, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	var cfg river.Config
	if riverConfig != nil {
		cfg = *riverConfig
	}
	switch {
	case cfg.Schema == "":
		cfg.Schema = schema
	case cfg.Schema != schema:
		pool.Close()
		return nil, fmt.Errorf("opening postgres: river Config.Schema %q is not the DSN's search_path schema %q", cfg.Schema, schema)
	}
	if err := migrate(ctx, pool, schema, cfg.Logger); err != nil {
		pool.Close()
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("creating job queue: %w", err)
	}
	return &DB{pool: pool, river: client}, nil
}

// Migrate brings the database that dsn names up to date, River's tables and
// mvgen's, without starting anything (for `mvgen migrate`). Open migrates
// too, so running it first is optional.
func Migrate(ctx context.Context, dsn string) error {
	pool, schema, err := connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	return migrate(ctx, pool, schema, nil)
}

// Close closes the pool. Stop the queue first.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// connect opens a pool on dsn and returns it with the schema that the DSN's
// search_path names ("" when it names none).
func connect(ctx context.Context, dsn string) (*pgxpool.Pool, string, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN, password included.
		return nil, "", errors.New("opening postgres: invalid connection string")
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(10, 4*runtime.GOMAXPROCS(0)))
	}
	if cfg.MaxConns < 2 {
		return nil, "", fmt.Errorf("opening postgres: pool_max_conns is %d, want at least 2", cfg.MaxConns)
	}
	schema := firstSchema(cfg.ConnConfig.RuntimeParams["search_path"])
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("opening postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, "", fmt.Errorf("opening postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, schema, nil
}

// firstSchema returns the schema that a search_path setting puts first, ""
// for none or for the "$user" default.
func firstSchema(searchPath string) string {
	s := strings.TrimSpace(searchPath)
	if rest, ok := strings.CutPrefix(s, `"`); ok {
		name, _, _ := strings.Cut(rest, `"`)
		if name == "$user" {
			return ""
		}
		return name
	}
	name, _, _ := strings.Cut(s, ",")
	// PostgreSQL folds unquoted identifiers to lower case.
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "$user" {
		return ""
	}
	return name
}

// inTx runs fn in a transaction. PostgreSQL's commits are durable by
// default (synchronous_commit = on), so every write survives power loss.
func (d *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, d.pool, fn)
}

// insertJobs inserts jobs in tx (one round trip) and returns their ids.
func (d *DB) insertJobs(ctx context.Context, tx pgx.Tx, jobs []river.InsertManyParams) ([]int64, error) {
	if len(jobs) == 0 {
		return []int64{}, nil
	}
	res, err := d.river.InsertManyTx(ctx, tx, jobs)
	if err != nil {
		return nil, fmt.Errorf("queueing %s job: %w", jobs[0].Args.Kind(), err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.Job.ID
	}
	return ids, nil
}

// params wraps job args without options.
func params(jobs []river.JobArgs) []river.InsertManyParams {
	p := make([]river.InsertManyParams, len(jobs))
	for i, args := range jobs {
		p[i] = river.InsertManyParams{Args: args}
	}
	return p
}

// ts is the value written for t: NULL for the zero time, else t at
// millisecond precision (what the SQLite driver keeps too).
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Truncate(time.Millisecond).UTC()
}

// fromTS is the inverse of ts; ±infinity reads as the zero time.
func fromTS(v pgtype.Timestamptz) time.Time {
	if !v.Valid || v.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return v.Time.UTC()
}

// notFound maps "no rows" to what, the store's not-found error.
func notFound(err error, what error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return what
	}
	return err
}

// discardLogger is the migrator's logger when the caller gives none.
var discardLogger = slog.New(slog.DiscardHandler)
