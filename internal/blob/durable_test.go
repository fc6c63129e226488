package blob_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/durable/durabletest"
)

// TestDirDurable runs Put and PutFile under strace (the test runs itself
// again) and checks that each flushes the object before renaming it into
// place and flushes its directory after.
func TestDirDurable(t *testing.T) {
	if root := os.Getenv(durabletest.HelperEnv); root != "" {
		d := &blob.Dir{Root: filepath.Join(root, "files")}
		ctx := context.Background()
		if _, err := d.Put(ctx, "sources/a/audio", strings.NewReader("audio"), 0); err != nil {
			t.Fatal(err)
		}
		if err := d.PutFile(ctx, "videos/v.mp4", filepath.Join(root, "tmp", "video.mp4")); err != nil {
			t.Fatal(err)
		}
		return
	}
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "tmp"), 0o700)
	if err := os.WriteFile(filepath.Join(root, "tmp", "video.mp4"), []byte("video"), 0o600); err != nil {
		t.Fatal(err)
	}
	calls := durabletest.Trace(t, "TestDirDurable", root)
	for _, key := range []string{"sources/a/audio", "videos/v.mp4"} {
		t.Run(key, func(t *testing.T) {
			durabletest.CheckRename(t, calls, filepath.Join(root, "files", key))
		})
	}
}

// TestDirLeavesNoEmptyDirectories checks that a failed Put and a Delete
// take the key's directory with them, but never a top-level one.
func TestDirLeavesNoEmptyDirectories(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := &blob.Dir{Root: t.TempDir()}
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(d.Root, rel))
		return err == nil
	}
	if _, err := d.Put(ctx, "sources/big/audio", strings.NewReader("0123456789AB"), 10); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("Put over the limit: got %v, want ErrTooLarge", err)
	}
	if exists("sources/big") {
		t.Error("a failed Put left sources/big/")
	}
	if !exists("sources") {
		t.Error("a failed Put removed the top-level sources/")
	}
	ctxDone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Put(ctxDone, "sources/gone/audio", strings.NewReader("x"), 10); err == nil {
		t.Fatal("Put with a cancelled context: got no error")
	}
	if exists("sources/gone") {
		t.Error("a cancelled Put left sources/gone/")
	}
	for _, k := range []string{"sources/two/audio", "sources/two/cover", "videos/v.mp4"} {
		if _, err := d.Put(ctx, k, strings.NewReader("x"), 0); err != nil {
			t.Fatal(err)
		}
	}
	d.Delete(ctx, "sources/two/audio")
	if !exists("sources/two") {
		t.Error("Delete removed sources/two/ while it still held cover")
	}
	d.Delete(ctx, "sources/two/cover")
	d.Delete(ctx, "videos/v.mp4")
	if exists("sources/two") {
		t.Error("deleting the last file of sources/two/ left the directory")
	}
	if !exists("videos") || !exists("sources") {
		t.Error("Delete removed a top-level directory")
	}
}

// TestOpenDirCleans lays out what a killed process leaves and checks what
// OpenDir removes.
func TestOpenDirCleans(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	old := time.Now().Add(-blob.StaleAfter - time.Minute)
	files := []struct {
		rel      string
		stale    bool
		wantKept bool
	}{
		{"sources/a/.put-123", true, false},    // a crashed upload: file and directory go
		{"sources/b/audio", true, true},        // a stored object stays
		{"sources/b/.put-456", true, false},    // beside it, a crashed re-upload goes
		{"videos/.put-789", true, false},       // a crashed video copy goes
		{"videos/.put-000", false, true},       // a Put still in progress stays
		{"videos/abc.mp4", true, true},         // a video stays
		{"sources/c/.put-111", false, true},    // an upload in progress stays, with its directory
		{"sources/d/e/.put-222", true, false},  // deeper levels go too
		{"sources/.putative-name", true, true}, // not a temp file name
	}
	for _, f := range files {
		path := filepath.Join(root, f.rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if f.stale {
			os.Chtimes(path, old, old)
		}
	}
	os.MkdirAll(filepath.Join(root, "sources", "empty"), 0o700)
	for _, dir := range []string{"sources/a", "sources/b", "sources/d/e", "sources/d", "sources/empty", "videos", "sources"} {
		os.Chtimes(filepath.Join(root, dir), old, old)
	}

	d, n, err := blob.OpenDir(root)
	if err != nil || d.Root != root {
		t.Fatalf("OpenDir: got %v, %v", d, err)
	}
	// .put-123, .put-456, .put-789, .put-222 and the directories a, d/e, d, empty.
	if want := 8; n != want {
		t.Errorf("OpenDir removed %d entries, want %d", n, want)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(root, f.rel))
		if kept := err == nil; kept != f.wantKept {
			t.Errorf("%s: kept = %v, want %v", f.rel, kept, f.wantKept)
		}
	}
	for _, dir := range []string{"sources/a", "sources/d", "sources/empty"} {
		if _, err := os.Stat(filepath.Join(root, dir)); err == nil {
			t.Errorf("%s/ is still there, want it removed", dir)
		}
	}
	if _, _, err := blob.OpenDir(filepath.Join(root, "new")); err != nil {
		t.Errorf("OpenDir on a missing directory: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, "new")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new root: got %v, %v; want a 0700 directory", fi, err)
	}
}
