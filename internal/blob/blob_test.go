package blob_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/blob"
)

func TestDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := &blob.Dir{Root: t.TempDir()}

	n, err := d.Put(ctx, "audio/a.mp3", strings.NewReader("hello"), 10)
	if err != nil || n != 5 {
		t.Fatalf("Put = %d, %v; want 5, nil", n, err)
	}
	o, err := d.Open(ctx, "audio/a.mp3")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	b, _ := io.ReadAll(o)
	o.Close()
	if string(b) != "hello" || o.Size() != 5 {
		t.Errorf("read %q size %d, want hello 5", b, o.Size())
	}

	if _, err := d.Put(ctx, "audio/big", strings.NewReader("0123456789AB"), 10); !errors.Is(err, blob.ErrTooLarge) {
		t.Errorf("Put over the limit: got %v, want ErrTooLarge", err)
	}
	if _, err := d.Open(ctx, "audio/big"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("an over-limit Put left an object: Open = %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(d.Root, "audio")); len(entries) != 1 {
		t.Errorf("audio dir holds %d entries, want 1 (no temp files)", len(entries))
	}

	src := filepath.Join(t.TempDir(), "v.mp4")
	os.WriteFile(src, []byte("video"), 0o600)
	if err := d.PutFile(ctx, "videos/v.mp4", src); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("PutFile left its source")
	}
	if err := d.Delete(ctx, "videos/v.mp4"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := d.Delete(ctx, "videos/v.mp4"); err != nil {
		t.Errorf("Delete of a missing object = %v, want nil", err)
	}
	for _, bad := range []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", `a\b`} {
		if _, err := d.Open(ctx, bad); err == nil || errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want an invalid-key error", bad, err)
		}
	}
}
