package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mvgen/mvgen/internal/queue"
)

// QueueDriver is the job queue's driver on d (queue.New): River's SQLite
// driver on the writer connection, and the queue's statements about nodes
// and running jobs. Heartbeats are kept in mvgen_node (seen_at in Unix
// milliseconds).
func (d *DB) QueueDriver() queue.Driver[*sql.Tx] {
	return queueDriver{d.db}
}

type queueDriver struct{ db *sql.DB }

func (q queueDriver) River() riverdriver.Driver[*sql.Tx] { return riversqlite.New(q.db) }

func (queueDriver) Schema() string { return "" }

// countCrash counts a crash in a requeued job's metadata.
const countCrash = `metadata = json_set(coalesce(metadata, '{}'), '$.` + queue.CrashKey + `',
	coalesce(json_extract(metadata, '$.` + queue.CrashKey + `'), 0) + 1)`

// RequeueRunning: the embedded database is this process's alone, so a job
// still "running" at start was left by a process that died; waiting for
// River's stuck-job rescue (sized for the longest render) would delay it for
// no reason.
func (q queueDriver) RequeueRunning(ctx context.Context) (int, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE river_job SET state = 'available', `+countCrash+`
		WHERE state = 'running'`)
	if err != nil {
		return 0, err
	}
	c, err := res.RowsAffected()
	return int(c), err
}

func (q queueDriver) Heartbeat(ctx context.Context, node string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, at.UnixMilli())
	return err
}

// Rescue: a job's worker is the last client id of its attempted_by, a JSON
// array in SQLite; a running job with none is rescued too.
func (q queueDriver) Rescue(ctx context.Context, deadBefore time.Time) (int, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE river_job SET state = 'available', `+countCrash+`
		WHERE state = 'running'
		AND coalesce(json_extract(attempted_by, '$[#-1]'), '') NOT IN
			(SELECT id FROM mvgen_node WHERE seen_at >= ?)`, deadBefore.UnixMilli())
	if err != nil {
		return 0, err
	}
	c, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM mvgen_node WHERE seen_at < ?`, deadBefore.UnixMilli()); err != nil {
		return 0, err
	}
	return int(c), tx.Commit()
}

func (q queueDriver) JobIDs(ctx context.Context, taskID string) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id FROM river_job
		WHERE kind IN ('fetch', 'render', 'callback') AND json_extract(args, '$.taskId') = ? ORDER BY id`, taskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (q queueDriver) Counts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job
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
