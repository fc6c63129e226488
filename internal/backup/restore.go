package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/durable"
)

// The errors Restore refuses a target with.
var (
	// ErrInUse means a process (mvgen serve, or another restore) holds
	// the data directory's lock.
	ErrInUse = errors.New("the data directory is in use")
	// ErrNotEmpty means the data directory holds data and Force was not
	// given.
	ErrNotEmpty = errors.New("the data directory is not empty")
)

// stagingName is the directory inside the target that Restore extracts
// into before it moves the entries into place.
const stagingName = ".mvgen-restore"

// maxManifest caps the manifest's size (a million files take about 150 MB).
const maxManifest = 512 << 20

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force replaces what the data directory holds; without it Restore
	// refuses a directory with anything in it but the lock file.
	Force bool
}

// Restore puts the archive read from r (gzip-compressed or not) into the
// data directory dir, creating it if needed, and returns its manifest.
// It refuses (ErrInUse) while a server holds dir's lock, and holds that
// lock itself until it returns. Nothing in dir changes unless the whole
// archive was read and matched its manifest. Run as root, it gives what it
// restores to dir's owner.
func Restore(ctx context.Context, r io.Reader, dir string, opt RestoreOptions) (*Manifest, error) {
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	existing, err := contents(dir)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 && !opt.Force {
		return nil, fmt.Errorf("%w: %s holds %s; restore into an empty directory, or replace what it holds with --force",
			ErrNotEmpty, dir, strings.Join(existing, ", "))
	}
	staging := filepath.Join(dir, stagingName)
	if err := os.RemoveAll(staging); err != nil { // a restore that was interrupted
		return nil, err
	}
	if err := os.Mkdir(staging, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	m, err := extract(ctx, r, staging)
	if err != nil {
		return nil, fmt.Errorf("reading the archive: %w (nothing was restored)", err)
	}
	if err := quickCheck(ctx, filepath.Join(staging, dbName)); err != nil {
		return nil, fmt.Errorf("%w (nothing was restored)", err)
	}
	if err := syncTree(staging); err != nil {
		return nil, err
	}
	if err := chownTree(staging, dir); err != nil {
		return nil, err
	}
	// From here on dir changes: first what it held goes (an old database's
	// -wal and -shm files with it), then the restored entries move in.
	for _, name := range existing {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("replacing %s: %w", name, err)
		}
	}
	moved, err := os.ReadDir(staging)
	if err != nil {
		return nil, err
	}
	for _, e := range moved {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return nil, fmt.Errorf("moving %s into place: %w", e.Name(), err)
		}
	}
	return m, durable.SyncDir(dir)
}

// lockDir takes the exclusive lock mvgen serve takes on its data directory
// (internal/server's lockDir: flock on dir/mvgen.lock) and returns its
// release.
//
// A lock held elsewhere is tried again for up to lockPatience: a process
// this one forks between the lock file's opening and closing holds a copy
// of its descriptor, and with it the lock, until it execs (the descriptor
// is close-on-exec), which on a busy machine took long enough for the
// next restore in a test to find the directory "in use". A server holds
// its lock for as long as it runs, so waiting longer says nothing new.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking the data directory: %w", err)
	}
	for deadline := time.Now().Add(lockPatience); ; time.Sleep(20 * time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%w: %s is locked by a running mvgen serve (or another restore); stop it first",
				ErrInUse, dir)
		}
	}
}

// lockPatience is how long lockDir tries a lock held elsewhere.
const lockPatience = 2 * time.Second

// contents names what dir holds besides the lock file and the staging
// directory, sorted.
func contents(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range es {
		if e.Name() != lockName && e.Name() != stagingName {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// extract reads the archive from r into dst and checks it against its
// manifest.
func extract(ctx context.Context, r io.Reader, dst string) (*Manifest, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		src = zr
	}
	tr := tar.NewReader(src)
	got := map[string]Entry{}
	var m *Manifest
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if m != nil {
			return nil, fmt.Errorf("entry %q after the manifest", hdr.Name)
		}
		if hdr.Name == manifestName {
			if m, err = readManifest(tr); err != nil {
				return nil, err
			}
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("entry %q is not a regular file", hdr.Name)
		}
		path, err := entryPath(dst, hdr.Name)
		if err != nil {
			return nil, err
		}
		if _, dup := got[hdr.Name]; dup {
			return nil, fmt.Errorf("entry %q appears twice", hdr.Name)
		}
		e, err := writeEntry(tr, hdr, path)
		if err != nil {
			return nil, err
		}
		got[hdr.Name] = e
	}
	if m == nil {
		return nil, errors.New("no manifest (" + manifestName + "): not an mvgen backup, or cut short")
	}
	if m.Format != Format {
		return nil, fmt.Errorf("archive format %d; this mvgen reads format %d", m.Format, Format)
	}
	if len(m.Entries) == 0 || m.Entries[0].Name != dbName {
		return nil, errors.New("the manifest lists no database")
	}
	for _, want := range m.Entries {
		e, ok := got[want.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s is missing", want.Name)
		case e != want:
			return nil, fmt.Errorf("%s differs from the manifest: %d bytes, sha256 %s; want %d bytes, sha256 %s",
				want.Name, e.Size, e.SHA256, want.Size, want.SHA256)
		}
		delete(got, want.Name)
	}
	for name := range got {
		return nil, fmt.Errorf("entry %q is not in the manifest", name)
	}
	return m, nil
}

func readManifest(r io.Reader) (*Manifest, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxManifest {
		return nil, errors.New("manifest over 512 MiB")
	}
	var m Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return &m, nil
}

// entryPath maps an archive entry's name to its path under dst, refusing
// any name Write does not make (so nothing lands outside dst).
func entryPath(dst, name string) (string, error) {
	switch {
	case name == dbName || name == demoKeyName:
		return filepath.Join(dst, name), nil
	case strings.HasPrefix(name, filesDir+"/"):
		files := &blob.Dir{Root: filepath.Join(dst, filesDir)}
		path, err := files.Path(strings.TrimPrefix(name, filesDir+"/"))
		if err != nil {
			return "", fmt.Errorf("entry %q: %w", name, err)
		}
		return path, nil
	}
	return "", fmt.Errorf("entry %q is not part of an mvgen backup", name)
}

// writeEntry writes the entry tr is at to path.
func writeEntry(tr *tar.Reader, hdr *tar.Header, path string) (Entry, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Entry{}, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Entry{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), tr)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Entry{}, fmt.Errorf("writing %s: %w", hdr.Name, err)
	}
	// The original time: a video's Last-Modified stays what it was.
	if err := os.Chtimes(path, hdr.ModTime, hdr.ModTime); err != nil {
		return Entry{}, err
	}
	return Entry{Name: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// quickCheck runs SQLite's quick_check on the database at path.
func quickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("checking the restored database: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("the restored database fails SQLite's quick_check: %s", res)
	}
	return nil
}

// syncTree flushes every directory under root (the files were flushed as
// they were written), so the restored names survive a power loss.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return durable.SyncDir(path)
	})
}

// chownTree gives everything under root the owner of dir when this process
// runs as root: restoring as root into the service's directory (owned by
// its user) must leave files that service can open.
func chownTree(root, dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(st.Uid), int(st.Gid))
	})
}
