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

// Dir is a Store on local disk under Root.
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
// reader never sees a partial object.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	path, err := d.Path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(f, contextReader{ctx, src})
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
	return n, os.Rename(f.Name(), path)
}

// PutFile implements Store.
func (d *Dir) PutFile(ctx context.Context, key, src string) error {
	path, err := d.Path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	if err := os.Rename(src, path); err == nil {
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
	return nil
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
