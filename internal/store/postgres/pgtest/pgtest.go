// Package pgtest gives tests an isolated PostgreSQL schema on the server
// named by MVGEN_TEST_POSTGRES.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the variable that points the tests at a PostgreSQL server.
const Env = "MVGEN_TEST_POSTGRES"

// DSN returns a DSN whose search_path names a new schema (Open
// creates it) and drops the schema when the test ends. It skips the test
// when MVGEN_TEST_POSTGRES is unset.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(Env)
	if base == "" && os.Getenv("CI") != "" {
		tb.Fatalf("%s is not set; CI must run the PostgreSQL tests (make test sets it)", Env)
	}
	if base == "" {
		tb.Skipf("PostgreSQL tests need a server: set %s, e.g. %s=postgres://mvgen:mvgen@127.0.0.1:5432/mvgen_test?sslmode=disable (make test does)",
			Env, Env)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "mvgen_test_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(tb, base, schema)
}

// WithSearchPath sets the search_path parameter of a URL or key=value DSN.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
