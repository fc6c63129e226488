package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// QueueDriver is the job queue's driver on d (queue.New): River's pgx
// driver on the pool, in d's schema, and the queue's statements (sqlstore's
// Nodes in PostgreSQL's dialect; heartbeats in mvgen_node, seen_at a
// timestamptz).
func (d *DB) QueueDriver() queue.Driver[pgx.Tx] {
	return queueDriver{sqlstore.NewNodes(executor{d: d}, &dialect), riverpgxv5.New(d.pool), d.schema}
}

type queueDriver struct {
	*sqlstore.Nodes
	river  *riverpgxv5.Driver
	schema string
}

func (q queueDriver) River() riverdriver.Driver[pgx.Tx] { return q.river }

func (q queueDriver) Schema() string { return q.schema }
