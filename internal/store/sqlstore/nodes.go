package sqlstore

import (
	"context"
	"time"
)

// Nodes is the job queue's own statements on a driver's database, the
// part of a queue.Driver beside River's driver: heartbeats in mvgen_node,
// and putting back River's jobs whose worker died.
type Nodes struct {
	db Executor
	d  *Dialect
}

// NewNodes returns the queue's statements on db, in dialect d.
func NewNodes(db Executor, d *Dialect) *Nodes { return &Nodes{db: db, d: d} }

// RequeueRunning implements queue.Driver.
func (n *Nodes) RequeueRunning(ctx context.Context) (int, error) {
	if n.d.Shared {
		return 0, nil
	}
	c, err := n.db.Write().Exec(ctx, `UPDATE river_job SET state = 'available', `+n.d.CountCrash+`
		WHERE state = 'running'`)
	return int(c), err
}

// Heartbeat implements queue.Driver.
func (n *Nodes) Heartbeat(ctx context.Context, node string, at time.Time) error {
	_, err := n.db.Write().Exec(ctx, `INSERT INTO mvgen_node (id, seen_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, n.d.Time(at))
	return err
}

// Rescue implements queue.Driver. A running job with no worker recorded is
// rescued too.
func (n *Nodes) Rescue(ctx context.Context, deadBefore time.Time) (int, error) {
	var c int64
	err := n.db.InTx(ctx, false, func(tx Tx) error {
		var err error
		c, err = tx.Exec(ctx, `UPDATE river_job SET state = 'available', `+n.d.CountCrash+`
			WHERE state = 'running'
			AND coalesce(`+n.d.Worker+`, '') NOT IN (SELECT id FROM mvgen_node WHERE seen_at >= ?)`,
			n.d.Time(deadBefore))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM mvgen_node WHERE seen_at < ?`, n.d.Time(deadBefore))
		return err
	})
	return int(c), err
}

// JobIDs implements queue.Driver.
func (n *Nodes) JobIDs(ctx context.Context, taskID string) ([]int64, error) {
	rows, err := n.db.Write().Query(ctx, `SELECT id FROM river_job
		WHERE kind IN ('fetch', 'render', 'callback') AND `+n.d.TaskArg+` = ? ORDER BY id`, taskID)
	return collect(rows, err, func(row Row) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	})
}

// Counts implements queue.Driver.
func (n *Nodes) Counts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := n.db.Write().Query(ctx, `SELECT kind, state, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var kind, state string
		var c int
		if err := rows.Scan(&kind, &state, &c); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[string]int{}
		}
		out[kind][state] = c
	}
	return out, rows.Err()
}
