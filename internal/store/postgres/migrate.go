package postgres

import (
	"context"
	"embed"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/mvgen/mvgen/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// lockMigrate takes the migration lock of schema for the rest of tx. It is
// an advisory lock in the two-key space (River's locks use the one-key
// space), so it never blocks River, and schemas migrate independently.
const lockMigrate = `SELECT pg_advisory_xact_lock(hashtext('mvgen migrate'), hashtext($1))`

// migrate applies River's migrations and then mvgen's own, each once, with
// the migration lock of the schema held throughout. schema "" means the
// connection's current schema.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string, logger *slog.Logger) (applied []string, err error) {
	if err := createSchema(ctx, pool, schema); err != nil {
		return nil, fmt.Errorf("migrating: creating schema %s: %w", schema, err)
	}
	lockKey := schema
	if lockKey == "" {
		if err := pool.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&lockKey); err != nil {
			return nil, fmt.Errorf("migrating: %w", err)
		}
		if lockKey == "" {
			return nil, fmt.Errorf("migrating: the search_path names no existing schema")
		}
	}

	// The lock lives in a transaction of its own connection; the
	// migrations run on others, each committing as it goes.
	lock, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	defer lock.Rollback(context.WithoutCancel(ctx))
	if _, err := lock.Exec(ctx, lockMigrate, lockKey); err != nil {
		return nil, fmt.Errorf("migrating: taking the migration lock: %w", err)
	}

	if logger == nil {
		logger = discardLogger
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("migrating job tables: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrating job tables: %w", err)
	}
	for _, v := range res.Versions {
		applied = append(applied, "river "+v.Name)
	}

	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS mvgen_migration (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	ms, err := store.Migrations(migrations)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		done, err := applyMigration(ctx, pool, m)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, lock.Commit(ctx)
}

// createSchema creates schema if it does not exist; "" does nothing. It
// looks first, so a role without CREATE on the database can use a schema an
// administrator made; concurrent CREATE SCHEMA IF NOT EXISTS can still
// collide, so it takes the migration lock too.
func createSchema(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if schema == "" {
		return nil
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockMigrate, schema); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`,
			schema).Scan(&exists); err != nil || exists {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
		return err
	})
}

// applyMigration applies one of mvgen's migrations in a transaction unless
// mvgen_migration records it, and reports whether it did.
func applyMigration(ctx context.Context, pool *pgxpool.Pool, m store.Migration) (applied bool, err error) {
	version, body := m.Version, m.SQL
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mvgen_migration WHERE version = $1)`,
			version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.Exec(ctx, body); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO mvgen_migration (version) VALUES ($1)`, version)
		applied = err == nil
		return err
	})
	return applied, err
}
