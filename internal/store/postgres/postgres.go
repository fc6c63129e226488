package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a PostgreSQL database that several nodes may share, connected and
// migrated.
type DB struct {
	pool   *pgxpool.Pool
	schema string // that holds the tables, "" for the connection's current one
	// migrated names the migrations Open applied.
	migrated []string
}

// Migrated names the migrations that Open applied (River's and mvgen's);
// none when the database was already up to date.
func (d *DB) Migrated() []string { return d.migrated }

// Open connects to the database that dsn names (see the package
// documentation for its search_path and pool_max_conns parameters) and
// migrates it.
func Open(ctx context.Context, dsn string) (*DB, error) {
	pool, schema, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	applied, err := migrate(ctx, pool, schema, nil)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool, schema: schema, migrated: applied}, nil
}

// Migrate brings the database that dsn names up to date, River's tables and
// mvgen's, without starting anything (for `mvgen migrate`). Open migrates
// too, so running it first is optional.
func Migrate(ctx context.Context, dsn string) error {
	pool, schema, err := connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	_, err = migrate(ctx, pool, schema, nil)
	return err
}

// Close closes the pool; closing it again does nothing. Stop the queue
// first.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// connect opens a pool on dsn and returns it with the schema that the DSN's
// search_path names ("" when it names none).
func connect(ctx context.Context, dsn string) (*pgxpool.Pool, string, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN, password included.
		return nil, "", errors.New("opening postgres: invalid connection string")
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(10, 4*runtime.GOMAXPROCS(0)))
	}
	if cfg.MaxConns < 2 {
		return nil, "", fmt.Errorf("opening postgres: pool_max_conns is %d, want at least 2", cfg.MaxConns)
	}
	schema := firstSchema(cfg.ConnConfig.RuntimeParams["search_path"])
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("opening postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, "", fmt.Errorf("opening postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, schema, nil
}

// firstSchema returns the schema that a search_path setting puts first, ""
// for none or for the "$user" default.
func firstSchema(searchPath string) string {
	s := strings.TrimSpace(searchPath)
	if rest, ok := strings.CutPrefix(s, `"`); ok {
		name, _, _ := strings.Cut(rest, `"`)
		if name == "$user" {
			return ""
		}
		return name
	}
	name, _, _ := strings.Cut(s, ",")
	// PostgreSQL folds unquoted identifiers to lower case.
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "$user" {
		return ""
	}
	return name
}

// discardLogger is the migrator's logger when the caller gives none.
var discardLogger = slog.New(slog.DiscardHandler)
