package ready_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/blob/s3"
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
		req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
		req.RemoteAddr = "127.0.0.1:40000" // details are for this machine
		c.ServeHTTP(rec, req)
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

// slowBlobs is a file storage whose writes take a while and are counted.
type slowBlobs struct {
	blob.Store
	puts atomic.Int64
	wait time.Duration
}

func (s *slowBlobs) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	s.puts.Add(1)
	time.Sleep(s.wait)
	return s.Store.Put(ctx, key, r, limit)
}

// TestCheckerShared (issue 19 item 7): 50 probes at once, while the
// storage write takes 200 ms, cost one write and all get its answer; the
// result answers the probes of the next CacheFor, then the checks run
// again.
func TestCheckerShared(t *testing.T) {
	t.Parallel()
	files := &slowBlobs{Store: &blob.Dir{Root: t.TempDir()}, wait: 200 * time.Millisecond}
	c := &ready.Checker{Checks: []ready.Check{ready.Storage(files)}, CacheFor: time.Second}
	probe := func() (int, string) {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if code, body := probe(); code != 200 || body != "ready\n" {
				t.Errorf("concurrent probe: got %d %q, want 200 ready", code, body)
			}
		})
	}
	wg.Wait()
	if n := files.puts.Load(); n != 1 {
		t.Errorf("50 concurrent probes wrote %d objects, want 1", n)
	}
	probe()
	if n := files.puts.Load(); n != 1 {
		t.Errorf("a probe within CacheFor wrote again (%d objects)", n)
	}
	time.Sleep(time.Second)
	probe()
	if n := files.puts.Load(); n != 2 {
		t.Errorf("a probe after CacheFor: %d objects written, want 2", n)
	}
}

// TestCheckerDetails (issue 19 item 7): the failing checks' errors (here
// an absolute path) go only to a loopback peer without a proxy header;
// anyone else sees "not ready" and the failing checks' names.
func TestCheckerDetails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	c := &ready.Checker{Checks: []ready.Check{ready.Storage(&blob.Dir{Root: notDir}),
		ready.Tools("ffmpeg", filepath.Join(dir, "no-ffmpeg"))}}
	for _, tc := range []struct {
		name, remote string
		header       []string
		details      bool
	}{
		{"loopback", "127.0.0.1:40000", nil, true},
		{"IPv6 loopback", "[::1]:40000", nil, true},
		{"another host", "203.0.113.7:40000", nil, false},
		{"a private address", "10.0.0.2:40000", nil, false},
		{"loopback through a proxy", "127.0.0.1:40000", []string{"X-Forwarded-For", "203.0.113.7"}, false},
		{"loopback through a Forwarded proxy", "127.0.0.1:40000", []string{"Forwarded", "for=203.0.113.7"}, false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
		req.RemoteAddr = tc.remote
		if tc.header != nil {
			req.Header.Set(tc.header[0], tc.header[1])
		}
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 503 {
			t.Errorf("%s: got %d, want 503", tc.name, rec.Code)
		}
		switch {
		case tc.details && (!strings.HasPrefix(body, "not ready\nstorage: writing readyz/") || !strings.Contains(body, dir)):
			t.Errorf("%s: got %q, want the errors", tc.name, body)
		case !tc.details && body != "not ready\nstorage\nffmpeg\n":
			t.Errorf("%s: got %q, want %q", tc.name, body, "not ready\nstorage\nffmpeg\n")
		}
	}
}

// TestAnswerWithin2s: with the default timeout, /readyz answers within 2 s
// when S3 stops (its client retries a refused connection) and when it
// takes requests and never answers them. Before, it took 4.7 s with S3
// stopped. The S3 endpoint answers the bucket check s3.Open makes, then
// stops or hangs.
func TestAnswerWithin2s(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "mvgen")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "mvgensecret")
	for _, tc := range []struct {
		name  string
		after func(srv *httptest.Server, hang chan struct{})
	}{
		{"S3 stopped", func(srv *httptest.Server, _ chan struct{}) { srv.Close() }},
		{"S3 hangs", func(_ *httptest.Server, hang chan struct{}) { close(hang) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hang := make(chan struct{})
			endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-hang:
					<-r.Context().Done() // never answers
				default: // the bucket exists
				}
			}))
			defer endpoint.Close()
			store, err := s3.Open(context.Background(), "s3://videos?endpoint="+endpoint.URL+"&region=us-east-1")
			if err != nil {
				t.Fatal(err)
			}
			tc.after(endpoint, hang)
			srv := httptest.NewServer(&ready.Checker{Checks: []ready.Check{ready.Storage(store)}})
			defer srv.Close()
			start := time.Now()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			took := time.Since(start)
			if resp.StatusCode != 503 || !strings.Contains(string(body), "storage") || took > 2*time.Second {
				t.Errorf("got %d %q after %v, want 503 naming storage within 2s", resp.StatusCode, body, took.Round(time.Millisecond))
			}
		})
	}
}
