package queue

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// NewPostgres returns the queue over the PostgreSQL store's pool
// (internal/store/postgres's DB.Pool and DB.Schema), whose migrations
// created River's tables in schema ("" for the connection's current one).
func NewPostgres(pool *pgxpool.Pool, schema string, cfg Config) (*Queue[pgx.Tx], error) {
	return newQueue(riverpgxv5.New(pool), pgNodes{pool}, cfg, schema)
}

// pgCrash counts a crash in a requeued job's metadata.
const pgCrash = `metadata = jsonb_set(coalesce(metadata, '{}'), '{` + crashKey + `}',
	to_jsonb(coalesce((metadata->>'` + crashKey + `')::int, 0) + 1))`

// pgNodes keeps heartbeats in mvgen_node (seen_at a timestamptz).
type pgNodes struct{ pool *pgxpool.Pool }

// requeueRunning does nothing: several nodes share a PostgreSQL database,
// so a job "running" when this node starts may well be running on another;
// requeueing it would run it twice. Jobs of nodes that died are rescued from
// the heartbeats and, as a backstop, by River's stuck-job rescue.
func (pgNodes) requeueRunning(context.Context) (int, error) { return 0, nil }

func (n pgNodes) heartbeat(ctx context.Context, node string, at time.Time) error {
	_, err := n.pool.Exec(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, at.Truncate(time.Millisecond).UTC())
	return err
}

// rescue: a job's worker is the last client id of its attempted_by (a
// text[]); a running job with none is rescued too.
func (n pgNodes) rescue(ctx context.Context, deadBefore time.Time) (int, error) {
	var c int64
	err := pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE river_job SET state = 'available', `+pgCrash+`
			WHERE state = 'running'
			AND coalesce(attempted_by[array_length(attempted_by, 1)], '') NOT IN
				(SELECT id FROM mvgen_node WHERE seen_at >= $1)`, deadBefore.Truncate(time.Millisecond).UTC())
		if err != nil {
			return err
		}
		c = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM mvgen_node WHERE seen_at < $1`, deadBefore.Truncate(time.Millisecond).UTC())
		return err
	})
	return int(c), err
}

func (n pgNodes) jobsOf(ctx context.Context, taskID string) ([]int64, error) {
	rows, err := n.pool.Query(ctx, `SELECT id FROM river_job
		WHERE kind IN ('fetch', 'render', 'callback') AND args->>'taskId' = $1 ORDER BY id`, taskID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
