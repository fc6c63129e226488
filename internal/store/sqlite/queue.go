package sqlite

import (
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// QueueDriver is the job queue's driver on d (queue.New): River's SQLite
// driver on the writer connection, and the queue's statements (sqlstore's
// Nodes in SQLite's dialect; heartbeats in mvgen_node, seen_at in Unix
// milliseconds).
func (d *DB) QueueDriver() queue.Driver[*sql.Tx] {
	return queueDriver{sqlstore.NewNodes(executor{d: d}, &dialect), riversqlite.New(d.db)}
}

type queueDriver struct {
	*sqlstore.Nodes
	river *riversqlite.Driver
}

func (q queueDriver) River() riverdriver.Driver[*sql.Tx] { return q.river }

func (queueDriver) Schema() string { return "" }
