package sqlite

import (
	"context"
	"database/sql"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// Store is a store.Store on a DB: the shared statements (sqlstore) in
// SQLite's dialect, with task creation committed in groups (commit.go).
type Store struct {
	*sqlstore.Store
	db      *DB
	exec    executor
	commits *committer
}

var _ store.Store = (*Store)(nil)

// Jobs queues jobs inside the store's transactions: internal/queue's
// Queue[*sql.Tx] on the same DB.
type Jobs = sqlstore.Jobs[*sql.Tx]

// NewStore returns the store on db whose transactions queue jobs through q
// (the queue on db.QueueDriver()). A store without a queue (nil, for a
// command that only manages keys) refuses the writes that queue a job.
// opts are sqlstore's (sqlstore.SealWith: secrets sealed at rest).
// Closing the store closes db.
func NewStore(db *DB, q Jobs, opts ...sqlstore.Option) *Store {
	s := &Store{db: db, exec: executor{db, q}}
	s.Store = sqlstore.New(s.exec, &dialect, opts...)
	s.commits = newCommitter(s)
	return s
}

// CreateTask implements store.Store. Concurrent calls are committed
// together (group commit, see committer): one fsync for a batch instead of
// one for each task, each task still in its own savepoint.
func (s *Store) CreateTask(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error) {
	return s.commits.create(ctx, t)
}

// Ping reports whether the database answers a query (the readiness check).
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Migrated names the migrations that opening the database applied.
func (s *Store) Migrated() []string { return s.db.Migrated() }

// Close closes the store and its database. Stop the queue first.
func (s *Store) Close() error {
	s.commits.close()
	return s.db.Close()
}
