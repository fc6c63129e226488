package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/backup"
	"github.com/mvgen/mvgen/internal/durable"
)

// backupCmd is `mvgen backup --data DIR -o FILE`: a consistent copy of the
// embedded default (SQLite and the local file directory) while serve runs.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	var sf storeFlags
	sf.register(fs)
	blobURL := fs.String("blob", "", "file storage as mvgen serve --blob: a directory (default DATA/files)")
	out := fs.String("o", "", "the archive to write: FILE.tar.gz, FILE.tgz, FILE.tar, or - for tar.gz on stdout (required)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("backup: unexpected argument %q (the archive is given with -o)", pos[0])
	}
	if err := embeddedOnly("backup", sf.db, *blobURL); err != nil {
		return err
	}
	gz, err := archiveKind(*out)
	if err != nil {
		return err
	}
	l := backup.DataDir(sf.data)
	if p, ok := strings.CutPrefix(sf.db, "sqlite:"); ok {
		l.DB = p
	}
	if *blobURL != "" {
		l.Files = strings.TrimPrefix(*blobURL, "file:")
	}
	opt := backup.Options{Version: readBuildInfo().String(), Gzip: gz}
	start := time.Now()
	var m *backup.Manifest
	if *out == "-" {
		m, err = backup.Write(ctx, l, stdout, opt)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		stdout = stderr // the summary must not end up in the archive
	} else if m, err = writeArchive(ctx, l, *out, opt); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	n, size := m.Files()
	dest := *out
	if dest == "-" {
		dest = "stdout"
	}
	fmt.Fprintf(stdout, "backed up %s: the database (%s) and %d files (%s) into %s in %v\n",
		sf.data, byteSize(m.Entries[0].Size), n, byteSize(size), dest, time.Since(start).Round(time.Millisecond))
	if len(m.Missing) > 0 {
		fmt.Fprintf(stdout, "%d files the database names were not on disk (purged or deleted since), e.g. %s\n",
			len(m.Missing), m.Missing[0])
	}
	return nil
}

// writeArchive writes the archive into a temporary file beside path and
// renames it into place once it is whole and on disk: a backup cut short
// never looks like a backup.
func writeArchive(ctx context.Context, l backup.Layout, path string, opt backup.Options) (*backup.Manifest, error) {
	dir := filepath.Dir(path)
	opt.TempDir = dir // the snapshot is as large as the database: keep it off /tmp
	f, err := os.CreateTemp(dir, ".mvgen-backup-*.partial")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())              // after the rename, there is nothing to remove
	if err := f.Chmod(0o600); err != nil { // it holds every key's webhook secret
		f.Close()
		return nil, err
	}
	m, err := backup.Write(ctx, l, f, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := durable.Rename(f.Name(), path); err != nil {
		return nil, err
	}
	return m, nil
}

// restoreCmd is `mvgen restore FILE --data DIR [--force]`.
func restoreCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	var sf storeFlags
	sf.register(fs)
	blobURL := fs.String("blob", "", "must be unset: restore writes DATA/mvgen.db and DATA/files")
	force := fs.Bool("force", false, "replace what the data directory holds")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("restore: want one archive (a file made by mvgen backup, or - for stdin)")
	}
	if err := embeddedOnly("restore", sf.db, *blobURL); err != nil {
		return err
	}
	if sf.db != "" || *blobURL != "" {
		return errors.New("restore writes the default layout into --data (DATA/mvgen.db and DATA/files); " +
			"drop --db and --blob (or MVGEN_DB and MVGEN_BLOB), and move the files afterwards if the server keeps them elsewhere")
	}
	in := stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		in = f
	}
	m, err := backup.Restore(ctx, in, sf.data, backup.RestoreOptions{Force: *force})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	n, size := m.Files()
	fmt.Fprintf(stdout, "restored %s into %s: the database (%s) and %d files (%s), backed up at %s by %s\n",
		pos[0], sf.data, byteSize(m.Entries[0].Size), n, byteSize(size), m.CreatedAt.Format(time.RFC3339), m.Version)
	fmt.Fprintf(stdout, "start the server on it: mvgen serve --data %s (tasks pending at the backup finish then)\n", sf.data)
	return nil
}

// embeddedOnly refuses PostgreSQL and S3: backup and restore copy the
// embedded default only, never half of a deployment.
func embeddedOnly(cmd, db, blobURL string) error {
	pg := strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
	s3 := strings.HasPrefix(blobURL, "s3://")
	if !pg && !s3 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s copies the embedded default (SQLite and a local file directory) only, and this configuration keeps", cmd)
	switch {
	case pg && s3:
		b.WriteString(" its database on PostgreSQL and its files on S3")
	case pg:
		b.WriteString(" its database on PostgreSQL")
	default:
		b.WriteString(" its files on S3")
	}
	b.WriteString("; copying part of it would give a backup whose tasks and files disagree. Back it up where it lives:")
	if pg {
		b.WriteString("\n  PostgreSQL: pg_dump --format=custom --file=mvgen.dump \"$MVGEN_DB\" (restore: pg_restore --clean --if-exists --no-owner --dbname=\"$MVGEN_DB\" mvgen.dump)")
	}
	if s3 {
		b.WriteString("\n  S3: turn on the bucket's versioning (and replication to another bucket or region), so every object a dump names can be read back")
	}
	switch {
	case pg && !s3:
		b.WriteString("\n  the file directory: copy it (tar, rsync) after the dump, so it holds every file the dump names")
	case s3 && !pg:
		b.WriteString("\n  the SQLite database: a snapshot while the server runs, before the bucket's versions are relied on: " +
			"sqlite3 DATA/mvgen.db \"VACUUM INTO 'mvgen-snapshot.db'\"")
	}
	b.WriteString("\nREADME.md, \"Running in production\", says more")
	return errors.New(b.String())
}

// archiveKind tells from the name whether the archive is gzip-compressed.
func archiveKind(name string) (gzip bool, err error) {
	switch {
	case name == "":
		return false, errors.New("backup: -o FILE is required (FILE.tar.gz, FILE.tar, or - for stdout)")
	case name == "-", strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		return true, nil
	case strings.HasSuffix(name, ".tar"):
		return false, nil
	}
	return false, fmt.Errorf("backup: -o %s: want a name ending in .tar.gz, .tgz or .tar (or - for stdout)", name)
}

// byteSize writes n bytes as "812 KB" or "1.4 GB" (powers of 1000).
func byteSize(n int64) string {
	const units = "KMGTPE"
	if n < 1000 {
		return fmt.Sprintf("%d bytes", n)
	}
	f, i := float64(n)/1000, 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, units[i])
}
