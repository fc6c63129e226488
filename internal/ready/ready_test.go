package ready_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/ready"
	"github.com/mvgen/mvgen/internal/store/sqlite"
)

// TestChecker: each check on a real component, passing and failing; the
// 503 names every failing check; a hung check fails at the timeout.
func TestChecker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	open, err := sqlite.Open(ctx, filepath.Join(dir, "open.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	closed, err := sqlite.Open(ctx, filepath.Join(dir, "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	files := &blob.Dir{Root: filepath.Join(dir, "files")}
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	hung := ready.Check{Name: "hung", Run: func(ctx context.Context) error { <-ctx.Done(); select {} }}

	for _, tc := range []struct {
		name   string
		checks []ready.Check
		want   string // "" for ready
	}{
		{"all pass", []ready.Check{ready.Database(open), ready.Storage(files), ready.Tools("ffmpeg", "ffmpeg", "ffprobe")}, ""},
		{"database closed", []ready.Check{ready.Database(closed), ready.Storage(files)}, "not ready\ndatabase: sql: database is closed\n"},
		{"storage", []ready.Check{ready.Storage(&blob.Dir{Root: notDir})}, "not ready\nstorage: writing readyz/"},
		{"ffmpeg", []ready.Check{ready.Tools("ffmpeg", filepath.Join(dir, "no-ffmpeg"))}, "not ready\nffmpeg: exec: "},
		{"two fail", []ready.Check{ready.Database(closed), ready.Tools("ffmpeg", "mvgen-no-such-program")}, "not ready\ndatabase: "},
		{"hung", []ready.Check{hung}, "not ready\nhung: no answer within 100ms\n"},
	} {
		c := &ready.Checker{Checks: tc.checks, Timeout: 10 * time.Second}
		if tc.name == "hung" {
			c.Timeout = 100 * time.Millisecond
		}
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		body := rec.Body.String()
		switch {
		case tc.want == "" && (rec.Code != 200 || body != "ready\n"):
			t.Errorf("%s: got %d %q, want 200 ready", tc.name, rec.Code, body)
		case tc.want != "" && (rec.Code != 503 || !strings.HasPrefix(body, tc.want)):
			t.Errorf("%s: got %d %q, want 503 starting %q", tc.name, rec.Code, body, tc.want)
		}
		if tc.name == "two fail" && !strings.Contains(body, "\nffmpeg: ") {
			t.Errorf("two fail: %q names only one check", body)
		}
	}
	// The storage check leaves nothing behind.
	if left, _ := os.ReadDir(filepath.Join(dir, "files", "readyz")); len(left) != 0 {
		t.Errorf("storage check left %d objects: %v", len(left), left)
	}
}
