package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/queue/queuetest"
)

// TestQueue runs the queue's suite on SQLite. Running writes river_job
// directly, as only a process that died leaves it.
func TestQueue(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queuetest.Env[*sql.Tx] {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "mvgen.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		running := func(t *testing.T, taskID string, by []string) {
			var attemptedBy any // NULL without attempts
			if by != nil {
				b, _ := json.Marshal(by)
				attemptedBy = string(b)
			}
			if _, err := db.db.Exec(`UPDATE river_job SET state = 'running', attempt = 1,
				attempted_at = datetime('now'), attempted_by = ? WHERE json_extract(args, '$.taskId') = ?`,
				attemptedBy, taskID); err != nil {
				t.Fatal(err)
			}
		}
		return queuetest.Env[*sql.Tx]{Driver: db.QueueDriver(), Running: running}
	})
}
