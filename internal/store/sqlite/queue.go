package sqlite

import (
	"context"
	"fmt"

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
