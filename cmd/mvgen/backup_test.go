package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestoreCommands runs mvgen backup and restore on a data
// directory with a key: the restored directory has the key, a second
// restore needs --force, and the archive is private.
func TestBackupRestoreCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mvgen := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if out, err := mvgen("keys", "create", "--name", "kept", "--data", src); err != nil {
		t.Fatalf("keys create: %v\n%s", err, out)
	}
	for _, name := range []string{"b.tar.gz", "b.tar"} {
		archive := filepath.Join(dir, name)
		out, err := mvgen("backup", "--data", src, "-o", archive)
		if err != nil || !strings.Contains(out, "backed up "+src) {
			t.Fatalf("backup -o %s: %v\n%s", name, err, out)
		}
		if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600 (it holds webhook secrets)", name, err, fi.Mode().Perm())
		}
		target := dst + "-" + name
		if out, err := mvgen("restore", archive, "--data", target); err != nil || !strings.Contains(out, "restored") {
			t.Fatalf("restore %s: %v\n%s", name, err, out)
		}
		if out, _ := mvgen("keys", "list", "--data", target); !strings.Contains(out, "kept") {
			t.Errorf("keys list after restore = %q, want the key named kept", out)
		}
		if out, err := mvgen("restore", archive, "--data", target); err == nil || !strings.Contains(out+err.Error(), "--force") {
			t.Errorf("restore into a restored directory: %v %s, want a refusal naming --force", err, out)
		}
		if out, err := mvgen("restore", archive, "--data", target, "--force"); err != nil {
			t.Errorf("restore --force: %v\n%s", err, out)
		}
	}
	// - is stdout for backup (the summary goes to stderr) and stdin for
	// restore: mvgen backup -o - | ssh host mvgen restore - --data DIR.
	var archive, summary, out bytes.Buffer
	if err := backupCmd(ctx, []string{"--data", src, "-o", "-"}, &archive, &summary); err != nil ||
		!strings.Contains(summary.String(), "into stdout") {
		t.Fatalf("backup -o -: %v, summary %q", err, summary.String())
	}
	if err := restoreCmd(ctx, []string{"-", "--data", dst + "-stdin"}, &archive, &out, &out); err != nil {
		t.Fatalf("restore -: %v\n%s", err, out.String())
	}
	if out, _ := mvgen("keys", "list", "--data", dst+"-stdin"); !strings.Contains(out, "kept") {
		t.Errorf("keys list after restore from stdin = %q, want the key named kept", out)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("backup left %s behind", e.Name())
		}
	}
}

// TestBackupRefuses: PostgreSQL and S3 are pointed at their own tools, a
// missing database and a bad archive name are refused.
func TestBackupRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "b.tar.gz")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"backup", "--db", "postgres://u:p@127.0.0.1/mvgen", "--blob", "s3://videos?endpoint=h", "-o", out},
			[]string{"PostgreSQL and its files on S3", "pg_dump", "versioning"}},
		{[]string{"backup", "--db", "postgres://u:p@127.0.0.1/mvgen", "--data", dir, "-o", out},
			[]string{"on PostgreSQL", "pg_dump", "after the dump"}},
		{[]string{"backup", "--blob", "s3://videos", "--data", dir, "-o", out}, []string{"on S3", "versioning", "VACUUM INTO"}},
		{[]string{"restore", out, "--db", "postgres://u:p@127.0.0.1/mvgen"}, []string{"pg_restore"}},
		{[]string{"backup", "--data", filepath.Join(dir, "none"), "-o", out}, []string{"no database to back up"}},
		{[]string{"backup", "--data", dir}, []string{"-o FILE is required"}},
		{[]string{"backup", "--data", dir, "-o", filepath.Join(dir, "b.zip")}, []string{".tar.gz"}},
		{[]string{"restore", "--data", dir}, []string{"want one archive"}},
	} {
		var stdout, stderr bytes.Buffer
		err := run(ctx, tc.args, &stdout, &stderr)
		if err == nil {
			t.Errorf("mvgen %v: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("mvgen %v: %v; want it to say %q", tc.args, err, w)
			}
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused backup wrote %s", out)
	}
}

// TestBackupEnvironment: MVGEN_DB, as an EnvironmentFile sets it, counts as
// --db.
func TestBackupEnvironment(t *testing.T) {
	t.Setenv("MVGEN_DB", "postgres://u:p@127.0.0.1/mvgen")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"backup", "-o", filepath.Join(t.TempDir(), "b.tar")}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup with MVGEN_DB=postgres://…: %v, want the pg_dump advice", err)
	}
}
