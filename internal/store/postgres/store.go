package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// Store is a store.Store on a DB: the shared statements (sqlstore) in
// PostgreSQL's dialect.
type Store struct {
	*sqlstore.Store
	db *DB
}

var _ store.Store = (*Store)(nil)

// Jobs queues jobs inside the store's transactions: internal/queue's
// Queue[pgx.Tx] on the same DB.
type Jobs = sqlstore.Jobs[pgx.Tx]

// NewStore returns the store on db whose transactions queue jobs through q
// (the queue on db.QueueDriver()). A store without a queue (nil, for a
// command that only manages keys) refuses the writes that queue a job.
// opts are sqlstore's (sqlstore.SealWith: secrets sealed at rest).
// Closing the store closes db.
func NewStore(db *DB, q Jobs, opts ...sqlstore.Option) *Store {
	return &Store{Store: sqlstore.New(executor{db, q}, &dialect, opts...), db: db}
}

// Ping reports whether the database answers a query (the readiness check).
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Migrated names the migrations that opening the database applied.
func (s *Store) Migrated() []string { return s.db.Migrated() }

// Close closes the store and its database. Stop the queue first.
func (s *Store) Close() error { return s.db.Close() }
