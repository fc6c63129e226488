// Package sqlite is mvgen's embedded store: SQLite through modernc.org/sqlite
// (no cgo) in WAL mode, with embedded migrations.
//
// The package owns the database, in three steps that are also the order of
// construction:
//
//	db, err := sqlite.Open(ctx, path)        // the database, migrated
//	q, err := queue.New(db.QueueDriver(), …) // the job queue on it
//	s := sqlite.NewStore(db, q)              // the store on both
//
// Open opens and migrates the database (River's tables and mvgen's,
// riverschema.go: `mvgen migrate` and Open leave every table the process
// needs). DB.QueueDriver is internal/queue's driver on it: River's SQLite
// driver on the writer connection and the queue's statements (queue.go).
// NewStore builds the store, whose transactions insert the jobs they make
// due through the queue, so that a task and its job commit together.
// Given sqlstore.SealWith, the store seals the secrets it keeps
// (store/secrets.go), and its SealSecrets seals those stored in plain text,
// as every command that opens the database does first.
//
// The statements are internal/store/sqlstore's, shared with the PostgreSQL
// driver; this package gives them SQLite's dialect (dialect.go: times in
// Unix milliseconds, 0 when unset), its connections (exec.go: one writer,
// read-only readers, durable commits with synchronous=FULL), a connection
// that keeps its prepared statements (stmtcache.go), and group commit of
// task creation (commit.go).
package sqlite
