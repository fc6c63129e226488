package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mvgen/mvgen/internal/server"
)

// migrate applies the database migrations (serve also applies them at
// start) and, given an operator key, seals the secrets stored in plain text.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := keyFileFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	key, err := secretKey(*keyFile)
	if err != nil {
		return err
	}
	// With a key, opening seals the secrets stored in plain text.
	s, err := server.OpenStore(ctx, server.Config{DataDir: sf.data, DB: sf.db, SecretKey: key})
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
