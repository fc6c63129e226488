package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/mvgen/mvgen/internal/queue"
)

// QueueDriver is the job queue's driver on d (queue.New): River's pgx
// driver on the pool, in d's schema, and the queue's statements about nodes
// and running jobs. Heartbeats are kept in mvgen_node (seen_at a
// timestamptz).
func (d *DB) QueueDriver() queue.Driver[pgx.Tx] { return queueDriver{d} }

type queueDriver struct{ d *DB }

func (q queueDriver) River() riverdriver.Driver[pgx.Tx] { return riverpgxv5.New(q.d.pool) }

func (q queueDriver) Schema() string { return q.d.schema }

// countCrash counts a crash in a requeued job's metadata.
const countCrash = `metadata = jsonb_set(coalesce(metadata, '{}'), '{` + queue.CrashKey + `}',
	to_jsonb(coalesce((metadata->>'` + queue.CrashKey + `')::int, 0) + 1))`

// RequeueRunning does nothing: several nodes share a PostgreSQL database,
// so a job "running" when this node starts may well be running on another;
// requeueing it would run it twice. Jobs of nodes that died are rescued from
// the heartbeats and, as a backstop, by River's stuck-job rescue.
func (queueDriver) RequeueRunning(context.Context) (int, error) { return 0, nil }

func (q queueDriver) Heartbeat(ctx context.Context, node string, at time.Time) error {
	_, err := q.d.pool.Exec(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, at.Truncate(time.Millisecond).UTC())
	return err
}

// Rescue: a job's worker is the last client id of its attempted_by (a
// text[]); a running job with none is rescued too.
func (q queueDriver) Rescue(ctx context.Context, deadBefore time.Time) (int, error) {
	var c int64
	err := pgx.BeginFunc(ctx, q.d.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE river_job SET state = 'available', `+countCrash+`
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

func (q queueDriver) JobIDs(ctx context.Context, taskID string) ([]int64, error) {
	rows, err := q.d.pool.Query(ctx, `SELECT id FROM river_job
		WHERE kind IN ('fetch', 'render', 'callback') AND args->>'taskId' = $1 ORDER BY id`, taskID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (q queueDriver) Counts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := q.d.pool.Query(ctx, `SELECT kind, state, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[string]int{}
		}
		out[kind][state] = n
	}
	return out, rows.Err()
}
