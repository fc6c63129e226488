package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/store"
)

// Queue implements store.Store.
func (d *DB) Queue() store.Queue { return queue{d} }

// queue is the store.Queue of a DB: its River client plus the node
// heartbeats in mvgen_node.
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

// RequeueRunning implements store.Queue by doing nothing. Several nodes
// share a PostgreSQL database, so a job "running" when this node starts may
// well be running on another node; requeueing it would run it twice. Jobs of
// nodes that died are rescued by RescueOrphans (from the heartbeats) and, as
// a backstop, by River's stuck-job rescue.
func (q queue) RequeueRunning(context.Context) (int, error) { return 0, nil }

func (q queue) Heartbeat(ctx context.Context, nodeID string, at time.Time) error {
	_, err := q.d.pool.Exec(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, nodeID, ts(at))
	if err != nil {
		return fmt.Errorf("recording heartbeat: %w", err)
	}
	return nil
}

// RescueOrphans implements store.Queue. A job's worker is the last client
// id in its attempted_by (a text[]); a running job with none is rescued too.
func (q queue) RescueOrphans(ctx context.Context, deadBefore time.Time) (int, error) {
	var n int64
	err := q.d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE river_job SET state = 'available'
			WHERE state = 'running'
			AND coalesce(attempted_by[array_length(attempted_by, 1)], '') NOT IN
				(SELECT id FROM mvgen_node WHERE seen_at >= $1)`, ts(deadBefore))
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM mvgen_node WHERE seen_at < $1`, ts(deadBefore))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rescuing jobs of dead nodes: %w", err)
	}
	return int(n), nil
}
