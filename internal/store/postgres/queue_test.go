package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mvgen/mvgen/internal/queue/queuetest"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestQueue runs the queue's suite on PostgreSQL. Running writes river_job
// directly, as only a node that died leaves it.
func TestQueue(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queuetest.Env[pgx.Tx] {
		db, err := Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		running := func(t *testing.T, taskID string, by []string) {
			if _, err := db.pool.Exec(context.Background(), `UPDATE river_job SET state = 'running', attempt = 1,
				attempted_at = now(), attempted_by = $2 WHERE args->>'taskId' = $1`, taskID, by); err != nil {
				t.Fatal(err)
			}
		}
		return queuetest.Env[pgx.Tx]{Driver: db.QueueDriver(), Running: running, Shared: true}
	})
}
