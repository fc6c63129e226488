// Package blob is where mvgen keeps files: uploaded audio and covers, and
// rendered videos. Dir keeps them on local disk (the embedded default); an
// S3-compatible store can satisfy the same interface.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/durable"
)

// ErrNotFound is returned for a key that holds no object.
var ErrNotFound = errors.New("blob: not found")

// ErrTooLarge is returned by Put when the reader yields more than the limit.
var ErrTooLarge = errors.New("blob: object over the size limit")

// Store keeps objects under slash-separated keys.
type Store interface {
	// Put stores r under key, reading at most limit bytes (limit <= 0 means
	// no limit; more gives ErrTooLarge and stores nothing). It returns the
	// number of bytes stored.
	Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error)
	// PutFile moves the local file at path into the store under key.
	PutFile(ctx context.Context, key, path string) error
	// Open opens the object for reading.
	Open(ctx context.Context, key string) (Object, error)
	// Delete removes the object; a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

// Presigner is a Store whose objects can be fetched straight from it through
// a short-lived URL (S3's presigned GET). The video handler redirects its own
// long-lived signed links there instead of streaming through mvgen.
type Presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error)
}

// Object is an open stored object.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Dir is a Store on local disk under Root. [OpenDir] makes one and removes
// what a killed process left there.
type Dir struct {
	Root string
}

var _ Store = (*Dir)(nil)

// Path returns the local path of key. Renders read sources from here
// directly instead of copying them.
func (d *Dir) Path(key string) (string, error) {
	if key == "" || strings.Contains(key, "\\") || strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("blob: invalid key %q", key)
		}
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put implements Store. It writes a temp file and renames it into place, so a
// reader never sees a partial object, and returns only once the object and
// its name are on disk (package durable). A failed Put leaves nothing
// behind, not even the directory it made for the key.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, limit int64) (n int64, err error) {
	path, err := d.Path(key)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			d.prune(filepath.Dir(path))
		}
	}()
	if err := durable.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err = io.Copy(f, contextReader{ctx, src})
	if err == nil && limit > 0 && n > limit {
		err = ErrTooLarge
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return 0, err
	}
	return n, durable.SyncDir(filepath.Dir(path))
}

// PutFile implements Store. Like Put, it returns once the object and its
// name are on disk.
func (d *Dir) PutFile(ctx context.Context, key, src string) error {
	path, err := d.Path(key)
	if err != nil {
		return err
	}
	if err := durable.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := durable.Rename(src, path); err == nil {
		return nil
	}
	// Another file system: copy.
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := d.Put(ctx, key, f, 0); err != nil {
		return err
	}
	return os.Remove(src)
}

// Open implements Store.
func (d *Dir) Open(_ context.Context, key string) (Object, error) {
	path, err := d.Path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &file{f, fi}, nil
}

// Delete implements Store.
func (d *Dir) Delete(_ context.Context, key string) error {
	path, err := d.Path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	d.prune(filepath.Dir(path))
	return nil
}

// prune removes dir and its parents while they are empty, stopping below
// the top-level directories (sources/, videos/), which other requests share:
// the directory of one upload (sources/<id>/) goes with its last file.
func (d *Dir) prune(dir string) {
	root := filepath.Clean(d.Root)
	for {
		rel, err := filepath.Rel(root, dir)
		if err != nil || !strings.Contains(filepath.ToSlash(rel), "/") || strings.HasPrefix(rel, "..") {
			return
		}
		if os.Remove(dir) != nil { // not empty, or gone
			return
		}
		dir = filepath.Dir(dir)
	}
}

type file struct {
	*os.File
	fi os.FileInfo
}

func (f *file) Size() int64        { return f.fi.Size() }
func (f *file) ModTime() time.Time { return f.fi.ModTime() }

// contextReader stops a long copy when ctx is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
