package queue

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// riverDriver is River's driver for a transaction type.
type riverDriver[TTx any] = riverdriver.Driver[TTx]

// NewSQLite returns the queue over the embedded store's database handle
// (internal/store/sqlite's DB.SQL), whose migrations created River's tables.
func NewSQLite(db *sql.DB, cfg Config) (*Queue[*sql.Tx], error) {
	return newQueue(riversqlite.New(db), sqliteNodes{db}, cfg, "")
}

// sqliteCrash counts a crash in a requeued job's metadata.
const sqliteCrash = `metadata = json_set(coalesce(metadata, '{}'), '$.` + crashKey + `',
	coalesce(json_extract(metadata, '$.` + crashKey + `'), 0) + 1)`

// sqliteNodes keeps heartbeats in mvgen_node (seen_at in Unix milliseconds).
type sqliteNodes struct{ db *sql.DB }

// requeueRunning: the embedded database is this process's alone, so a job
// still "running" at start was left by a process that died; waiting for
// River's stuck-job rescue (sized for the longest render) would delay it for
// no reason.
func (n sqliteNodes) requeueRunning(ctx context.Context) (int, error) {
	res, err := n.db.ExecContext(ctx, `UPDATE river_job SET state = 'available', `+sqliteCrash+`
		WHERE state = 'running'`)
	if err != nil {
		return 0, err
	}
	c, err := res.RowsAffected()
	return int(c), err
}

func (n sqliteNodes) heartbeat(ctx context.Context, node string, at time.Time) error {
	_, err := n.db.ExecContext(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, at.UnixMilli())
	return err
}

// rescue: a job's worker is the last client id of its attempted_by, a JSON
// array in SQLite; a running job with none is rescued too.
func (n sqliteNodes) rescue(ctx context.Context, deadBefore time.Time) (int, error) {
	tx, err := n.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE river_job SET state = 'available', `+sqliteCrash+`
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

func (n sqliteNodes) jobsOf(ctx context.Context, taskID string) ([]int64, error) {
	rows, err := n.db.QueryContext(ctx, `SELECT id FROM river_job
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
