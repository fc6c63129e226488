package backup

import (
	"archive/tar"
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
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// Names inside a data directory and inside an archive.
const (
	dbName       = "mvgen.db"          // the SQLite database (internal/server)
	filesDir     = "files"             // the local file directory (internal/server)
	lockName     = "mvgen.lock"        // the lock mvgen serve holds (internal/server's lockDir)
	demoKeyName  = "demo-key.json"     // make run's demo key (cmd/mvgen)
	manifestName = "mvgen-backup.json" // the manifest, the archive's last entry
)

// Format is the archive format Write produces and Restore reads.
const Format = 1

// Layout is where the embedded default keeps its data.
type Layout struct {
	// DB is the SQLite database file.
	DB string
	// Files is the local file directory (blob.Dir's root).
	Files string
	// DataDir, when set, is the data directory: its demo-key.json (make
	// run's) is copied too when it exists.
	DataDir string
}

// DataDir is the layout mvgen serve uses by default: dir/mvgen.db and
// dir/files.
func DataDir(dir string) Layout {
	return Layout{DB: filepath.Join(dir, dbName), Files: filepath.Join(dir, filesDir), DataDir: dir}
}

// Manifest describes an archive; it is its last entry, mvgen-backup.json.
type Manifest struct {
	// Format is the archive's format version (Format).
	Format int `json:"format"`
	// CreatedAt is when the database snapshot was taken.
	CreatedAt time.Time `json:"createdAt"`
	// Version is the mvgen build that wrote the archive (mvgen version).
	Version string `json:"version,omitempty"`
	// Source is the database file that was copied, for the operator.
	Source string `json:"source"`
	// Entries are the archive's other entries, in order: the database
	// first.
	Entries []Entry `json:"entries"`
	// Missing are the file keys the database named that were no longer on
	// disk (purged or deleted after the snapshot, or lost before it).
	Missing []string `json:"missing,omitempty"`
}

// Entry is one file of an archive.
type Entry struct {
	// Name is its slash-separated path in the archive and, restored, in
	// the data directory: mvgen.db, files/<key> or demo-key.json.
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Files counts the archive's files (the database and demo key aside) and
// their bytes.
func (m *Manifest) Files() (n int, bytes int64) {
	for _, e := range m.Entries {
		if len(e.Name) > len(filesDir) && e.Name[:len(filesDir)+1] == filesDir+"/" {
			n++
			bytes += e.Size
		}
	}
	return n, bytes
}

// Options tune Write.
type Options struct {
	// Version is written into the manifest (mvgen version's line).
	Version string
	// Gzip compresses the archive (level 1: videos are compressed already,
	// so a higher level costs CPU for nothing).
	Gzip bool
	// TempDir is where the database snapshot is made before it is copied
	// into the archive; "" means os.TempDir(). The snapshot is as large as
	// the database.
	TempDir string
}

// Write writes an archive of the data at l to w while a server may be
// using it, and returns its manifest. It fails if the database does not
// exist; a file the database names but the disk lacks is listed in
// Manifest.Missing, not an error.
func Write(ctx context.Context, l Layout, w io.Writer, opt Options) (_ *Manifest, err error) {
	if fi, err := os.Stat(l.DB); err != nil {
		return nil, fmt.Errorf("no database to back up: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("no database to back up: %s is not a file", l.DB)
	}
	tmp, err := os.MkdirTemp(opt.TempDir, ".mvgen-backup-")
	if err != nil {
		return nil, fmt.Errorf("making room for the database snapshot: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, dbName)
	created := time.Now().UTC()
	if err := snapshot(ctx, l.DB, snap); err != nil {
		return nil, err
	}
	keys, err := namedKeys(ctx, snap)
	if err != nil {
		return nil, err
	}

	m := &Manifest{Format: Format, CreatedAt: created, Version: opt.Version, Source: l.DB}
	out := w
	var zw *gzip.Writer
	if opt.Gzip {
		zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		out = zw
	}
	tw := tar.NewWriter(out)
	e, err := addFile(tw, dbName, snap)
	if err != nil {
		return nil, fmt.Errorf("archiving the database snapshot: %w", err)
	}
	m.Entries = append(m.Entries, e)
	dir := &blob.Dir{Root: l.Files}
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path, err := dir.Path(key)
		if err != nil {
			return nil, fmt.Errorf("the database names a file %q that cannot be stored: %w", key, err)
		}
		e, err := addFile(tw, filesDir+"/"+key, path)
		if errors.Is(err, fs.ErrNotExist) {
			m.Missing = append(m.Missing, key)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("archiving file %s: %w", key, err)
		}
		m.Entries = append(m.Entries, e)
	}
	if l.DataDir != "" {
		e, err := addFile(tw, demoKeyName, filepath.Join(l.DataDir, demoKeyName))
		if err == nil {
			m.Entries = append(m.Entries, e)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("archiving %s: %w", demoKeyName, err)
		}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(body)), ModTime: created,
		Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(body); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// snapshot writes a consistent copy of the database at path into out with
// VACUUM INTO: one read transaction, so the server's writes go on (WAL
// mode) and none of them is half in the copy.
func snapshot(ctx context.Context, path, out string) error {
	// mode=rw: never create a database that is not there.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(30000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("snapshot of %s (VACUUM INTO): %w", path, err)
	}
	return os.Chmod(out, 0o600) // it holds webhook secrets and the link key
}

// keyQuery lists the file keys a database names: the sources of tracks not
// yet purged, the sources fetched for tasks, and every video not purged
// (the task's key and the render cache's, usually the same). Posters are
// derived from their video's key (mvgen.PosterKey), and so are the caption
// files of the videos whose task stored some (mvgen.CaptionKey; kind 2).
const keyQuery = `
SELECT audio_key, 0 FROM mvgen_track WHERE audio_key <> '' AND sources_deleted = 0
UNION SELECT cover_key, 0 FROM mvgen_track WHERE cover_key <> '' AND sources_deleted = 0
UNION SELECT audio_key, 0 FROM mvgen_fetch WHERE audio_key <> ''
UNION SELECT cover_key, 0 FROM mvgen_fetch WHERE cover_key <> ''
UNION SELECT blob_key, 1 FROM mvgen_video WHERE purged_at = 0
UNION SELECT video_key, 1 FROM mvgen_task
  WHERE video_key <> '' AND video_key NOT IN (SELECT blob_key FROM mvgen_video WHERE purged_at <> 0)`

// captionQuery adds the caption files to keyQuery, on a database that
// records them (migration 012; a backup may be taken of an older one,
// before an upgrade).
const captionQuery = `
UNION SELECT video_key, 2 FROM mvgen_task
  WHERE video_key <> '' AND captions = 'stored' AND video_key NOT IN (SELECT blob_key FROM mvgen_video WHERE purged_at <> 0)`

// namedKeys returns the file keys the snapshot at path names, sorted.
func namedKeys(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	query := keyQuery
	var hasCaptions bool
	if err := db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM pragma_table_info('mvgen_task') WHERE name = 'captions'`).
		Scan(&hasCaptions); err != nil {
		return nil, fmt.Errorf("listing the files the database names: %w", err)
	}
	if hasCaptions {
		query += captionQuery
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("listing the files the database names: %w", err)
	}
	defer rows.Close()
	set := map[string]bool{}
	for rows.Next() {
		var key string
		var kind int
		if err := rows.Scan(&key, &kind); err != nil {
			return nil, err
		}
		switch kind {
		case 0:
			set[key] = true
		case 1:
			set[key] = true
			set[mvgen.PosterKey(key)] = true // older videos have none: listed as missing
		case 2:
			for _, k := range mvgen.CaptionKeys(key) {
				set[k] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the files the database names: %w", err)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// addFile copies the file at path into tw as name and returns its entry.
// A file that does not exist gives an error wrapping fs.ErrNotExist and
// writes nothing.
func addFile(tw *tar.Writer, name, path string) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Entry{}, err
	}
	if !fi.Mode().IsRegular() {
		return Entry{}, fmt.Errorf("%s is not a regular file", path)
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg,
		Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return Entry{}, err
	}
	h := sha256.New()
	// Exactly Size bytes: stored files never change once renamed into
	// place, and a short read is an error rather than a bad archive.
	if _, err := io.CopyN(io.MultiWriter(tw, h), f, fi.Size()); err != nil {
		return Entry{}, fmt.Errorf("copying %s: %w", path, err)
	}
	return Entry{Name: name, Size: fi.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// sqliteDSN is a read-only DSN for the database at path.
func sqliteDSN(path string, pragmas ...string) string {
	q := url.Values{"mode": {"ro"}}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	return "file:" + path + "?" + q.Encode()
}
