// Package postgres is mvgen's store for several nodes sharing one database:
// PostgreSQL through pgx/v5 (a pgxpool), with embedded migrations.
//
// The package owns the database, in three steps that are also the order of
// construction:
//
//	db, err := postgres.Open(ctx, dsn)       // the database, migrated
//	q, err := queue.New(db.QueueDriver(), …) // the job queue on it
//	s := postgres.NewStore(db, q)            // the store on both
//
// Open connects and migrates the database (River's tables and mvgen's,
// under one lock: migrate.go), so one step makes a database ready, for Open
// and for `mvgen migrate` alike. DB.QueueDriver is internal/queue's driver
// on it: River's pgx driver on the pool and the queue's statements
// (queue.go). NewStore builds the store, whose transactions insert the jobs
// they make due through the queue, so that a task and its job commit
// together.
// Given sqlstore.SealWith, the store seals the secrets it keeps
// (store/secrets.go), and its SealSecrets seals those stored in plain text,
// as every command that opens the database does first.
//
// The statements are internal/store/sqlstore's, shared with the SQLite
// driver; this package gives them PostgreSQL's dialect (dialect.go: row
// locks and an advisory lock where nodes write concurrently) and numbers
// their placeholders (exec.go).
//
// # Connection string
//
// Open and Migrate take a pgx connection string, as a URL
// (postgres://user:pass@host:5432/db?sslmode=disable) or as key=value pairs.
// Two of its parameters matter to mvgen:
//
//   - search_path chooses the schema that holds mvgen's and River's tables;
//     its first entry is that schema. Open creates it if it does not exist
//     and points River (Config.Schema and its migrations) at it. Without
//     search_path the server's default applies (normally public).
//   - pool_max_conns bounds the pool; the default is max(10, 4×GOMAXPROCS)
//     and it must be at least 2 (migrating holds one connection for its lock
//     while River migrates on another).
//
// # Migrations
//
// Open (and Migrate, for `mvgen migrate`) applies River's migrations through
// rivermigrate, then mvgen's own from migrations/*.sql, each once, in its own
// transaction, recorded in the mvgen_migration table. A transaction holding
// pg_advisory_xact_lock, keyed by the schema, is open throughout, so nodes
// starting together migrate one after the other and all but the first find
// nothing to do.
//
// # Times
//
// Times are timestamptz written at millisecond precision and read back in
// UTC; the zero time.Time is stored as NULL.
package postgres
