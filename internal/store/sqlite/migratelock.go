package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// lockMigration takes the migration lock of the database at path, an
// exclusive flock on the file path+"-migrate.lock" (0600, left in place:
// removing a lock file races with the next process to open it), waiting for
// it until ctx ends, and returns its release. Processes started together on
// one fresh database (`serve &` and `keys create` at once, as the README's
// upstream example does) would otherwise apply River's migrations at the same
// time and fail ("table river_migration already exists"): with the lock, the
// first migrates and the others find the schema up to date. The lock is not
// SQLite's own: a transaction cannot span River's migrator, and closing any
// descriptor of the database file would drop the process's SQLite locks.
// In-memory databases take no lock.
func lockMigration(ctx context.Context, path string) (release func(), err error) {
	if path == "" || strings.HasPrefix(path, ":") {
		return func() {}, nil
	}
	f, err := os.OpenFile(path+"-migrate.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("taking the migration lock of %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the flock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("taking the migration lock of %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another process to migrate %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
