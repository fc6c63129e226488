package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/mvgen/mvgen/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is one SQLite file, open and migrated.
type DB struct {
	db   *sql.DB // the one writer connection, shared with River
	read *sql.DB // readers: in WAL mode they never wait for the writer
	// migrated names the migrations Open applied.
	migrated []string
}

// Migrated names the migrations that Open applied (River's and mvgen's);
// none when the database was already up to date.
func (d *DB) Migrated() []string { return d.migrated }

// Open opens (creating if needed, readable by its owner only) the database
// at path and migrates it, under a lock that makes a process started at the
// same time wait for the migration (migratelock.go).
func Open(ctx context.Context, path string) (*DB, error) {
	// Creating the file, switching it to WAL and migrating happen under the
	// migration lock, so processes started together migrate once.
	release, err := lockMigration(ctx, path)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := makePrivate(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(10000)",
		// NORMAL: in WAL mode every commit survives a crash of the process;
		// the commits that must also survive power loss (an accepted task,
		// a finished one, a redelivery) switch to FULL in durableTx.
		"synchronous(NORMAL)",
		"foreign_keys(ON)",
		// A row changed in place leaves its old bytes in the page's free
		// space: secrets sealed at start stayed readable in the file (82 of
		// 120 in TestSealLeavesNoPlainText). FAST zeroes them where that
		// costs no I/O, which covers cells freed within a page.
		"secure_delete(FAST)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db := sql.OpenDB(connector{dsn: dsn, drv: &msqlite.Driver{}})
	// River's SQLite driver runs operations in parallel that SQLite would
	// refuse with SQLITE_BUSY; one connection serialises them (and SQLite
	// serialises writers anyway).
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	applied, err := migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	read := sql.OpenDB(connector{dsn: dsn + "&_pragma=query_only(1)", drv: &msqlite.Driver{}})
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)
	return &DB{db: db, read: read, migrated: applied}, nil
}

// Close closes the database; closing it again does nothing. Stop the queue
// first.
func (d *DB) Close() error {
	return errors.Join(d.read.Close(), d.db.Close())
}

// migrate applies River's migrations and then mvgen's own, each once, and
// returns the names of those it applied.
func migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	applied, err := migrateJobTables(ctx, db)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mvgen_migration (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	ms, err := store.Migrations(migrations)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		done, err := applyMigration(ctx, db, m)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

// applyMigration applies m unless mvgen_migration records it, and reports
// whether it did.
func applyMigration(ctx context.Context, db *sql.DB, m store.Migration) (bool, error) {
	version, body := m.Version, m.SQL
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mvgen_migration WHERE version = ?`, version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mvgen_migration (version, applied_at) VALUES (?, ?)`,
		version, time.Now().UnixMilli()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// inTx runs fn in a transaction.
func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// durableTx is inTx with synchronous=FULL: the commit reaches the disk
// before it returns, so what it wrote survives power loss too. It pins the
// pool's one connection for the pragma, the transaction and the pragma
// back, so no other statement runs between them.
func (d *DB) durableTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = NORMAL")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
