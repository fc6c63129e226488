package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mvgen/mvgen/internal/server"
)

// migrate applies the database migrations (serve also applies them at start).
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	var sf storeFlags
	sf.register(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	s, err := server.OpenStore(ctx, server.Config{DataDir: sf.data, DB: sf.db})
	if err != nil {
		return err
	}
	defer s.Close()
	var applied []string
	if m, ok := s.(interface{ Migrated() []string }); ok {
		applied = m.Migrated()
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date: no migration to apply")
		return nil
	}
	fmt.Fprintf(stdout, "applied %d migrations (%s); the database is up to date\n", len(applied), strings.Join(applied, ", "))
	return nil
}
