package blob

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempPrefix starts the name of Put's temp files.
const tempPrefix = ".put-"

// StaleAfter is how long a Put temp file or an empty key directory must have
// been left unchanged before OpenDir removes it. A Put in progress writes its
// temp file all the time; the margin keeps OpenDir clear of uploads another
// process sharing the directory is still receiving.
const StaleAfter = time.Hour

// OpenDir returns a Dir on root, creating root (0700) when missing, and
// removes what a killed process left there: Put's temp files (.put-*) and
// empty key directories (sources/<id>/ of an upload that never finished),
// both only once unchanged for StaleAfter. It returns how many it removed.
func OpenDir(root string) (*Dir, int, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, 0, fmt.Errorf("blob: creating %s: %w", root, err)
	}
	d := &Dir{Root: root}
	n, err := d.clean(time.Now().Add(-StaleAfter))
	if err != nil {
		return nil, n, fmt.Errorf("blob: cleaning %s: %w", root, err)
	}
	return d, n, nil
}

// clean removes temp files and empty directories below the top level that
// were last changed before cutoff, and returns how many it removed.
func (d *Dir) clean(cutoff time.Time) (int, error) {
	removed := 0
	var dirs []string // deepest last; only those unchanged since cutoff before the walk
	err := filepath.WalkDir(d.Root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile
			}
			return err
		}
		if e.IsDir() {
			// The time is read before the walk removes anything inside.
			rel, _ := filepath.Rel(d.Root, path)
			if fi, err := e.Info(); err == nil && !fi.ModTime().After(cutoff) &&
				strings.Contains(filepath.ToSlash(rel), "/") {
				dirs = append(dirs, path)
			}
			return nil
		}
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			return nil
		}
		if fi, err := e.Info(); err != nil || fi.ModTime().After(cutoff) {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed++
		return nil
	})
	if err != nil {
		return removed, err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if os.Remove(dirs[i]) == nil { // fails unless empty
			removed++
		}
	}
	return removed, nil
}
