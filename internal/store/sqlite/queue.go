package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/store"
)

// Queue implements store.Store.
func (d *DB) Queue() store.Queue { return queue{d} }

type queue struct{ d *DB }

func (q queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.d.river.Insert(ctx, args, opts)
	return err
}

func (q queue) Retry(ctx context.Context, jobID int64) error {
	_, err := q.d.river.JobRetry(ctx, jobID)
	return err
}

func (q queue) Start(ctx context.Context) error         { return q.d.river.Start(ctx) }
func (q queue) Stop(ctx context.Context) error          { return q.d.river.Stop(ctx) }
func (q queue) StopAndCancel(ctx context.Context) error { return q.d.river.StopAndCancel(ctx) }

// RequeueRunning implements store.Queue. The embedded default holds an
// exclusive lock on its data directory, so a job still "running" at start was
// left by a process that died; waiting for River's stuck-job rescue (sized for
// the longest render) would delay it for no reason.
func (q queue) RequeueRunning(ctx context.Context) (int, error) {
	res, err := q.d.db.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("requeueing interrupted jobs: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (q queue) Heartbeat(ctx context.Context, nodeID string, at time.Time) error {
	_, err := q.d.db.ExecContext(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, nodeID, ms(at))
	return err
}

func (q queue) RescueOrphans(ctx context.Context, deadBefore time.Time) (int, error) {
	var n int64
	err := q.d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE river_job SET state = 'available'
			WHERE state = 'running'
			AND coalesce(json_extract(attempted_by, '$[#-1]'), '') NOT IN
				(SELECT id FROM mvgen_node WHERE seen_at >= ?)`, ms(deadBefore))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM mvgen_node WHERE seen_at < ?`, ms(deadBefore))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rescuing jobs of dead nodes: %w", err)
	}
	return int(n), nil
}
