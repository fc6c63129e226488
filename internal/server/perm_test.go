package server_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/server"
)

// TestDataDirPrivate checks that a new data directory and its database are
// for their owner only: the database holds webhook secrets and the link key.
func TestDataDirPrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := server.OpenStore(context.Background(), server.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{dir, filepath.Join(dir, "mvgen.db")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v, want no group or other access", p, perm)
		}
	}
}
