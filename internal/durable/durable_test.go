package durable_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/durable"
	"github.com/mvgen/mvgen/internal/durable/durabletest"
)

// TestRename renames a file under strace (the test runs itself again) and
// checks the flushes around the rename.
func TestRename(t *testing.T) {
	if dir := os.Getenv(durabletest.HelperEnv); dir != "" {
		old := filepath.Join(dir, "tmp", "f.part")
		if err := durable.Rename(old, filepath.Join(dir, "out", "f")); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	for _, d := range []string{"tmp", "out"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp", "f.part"), []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	calls := durabletest.Trace(t, "TestRename", dir)
	durabletest.CheckRename(t, calls, filepath.Join(dir, "out", "f"))
	if got, err := os.ReadFile(filepath.Join(dir, "out", "f")); err != nil || string(got) != "data" {
		t.Errorf("renamed file holds %q, %v; want data", got, err)
	}
}

// TestMkdirAll creates two levels of directories under strace and checks
// that the parent of each was flushed.
func TestMkdirAll(t *testing.T) {
	if dir := os.Getenv(durabletest.HelperEnv); dir != "" {
		if err := durable.MkdirAll(filepath.Join(dir, "a", "b"), 0o700); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	calls := durabletest.Trace(t, "TestMkdirAll", dir)
	for _, want := range []string{dir, filepath.Join(dir, "a")} {
		found := false
		for _, c := range calls {
			found = found || c.Name == "fsync" && c.Path == want
		}
		if !found {
			t.Errorf("directory %s was not flushed; calls: %+v", want, calls)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "b")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("a/b: got %v, %v; want a 0700 directory", fi, err)
	}
	if err := durable.MkdirAll(filepath.Join(dir, "a", "b"), 0o700); err != nil {
		t.Errorf("MkdirAll of an existing directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if err := durable.MkdirAll(filepath.Join(file, "x"), 0o700); err == nil {
		t.Error("MkdirAll under a file: got no error")
	}
}
