package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mvgen/mvgen/internal/store/sqlite"
)

// TestDatabaseFilesPrivate checks that the database and its -wal and -shm
// files are readable by their owner only, for a new database and for one
// an earlier version created 0644, whatever the umask.
func TestDatabaseFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	tests := []struct {
		name   string
		before func(path string)
	}{
		{"new", func(string) {}},
		{"existing 0644", func(path string) {
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Chmod(p, 0o644)
			}
		}},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "mvgen.db")
		tt.before(path)
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("%s: Open: %v", tt.name, err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s: %s has mode %v, want no group or other access", tt.name, filepath.Base(p), perm)
			}
		}
		db.Close()
	}
}
