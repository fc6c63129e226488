package main

import (
	"context"
	"fmt"
	"io"

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
	fmt.Fprintln(stdout, "database schema is at the latest version (created or migrated as needed)")
	return s.Close()
}
