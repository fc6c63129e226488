package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/mvgen/mvgen/internal/blob"
)

// The store every test uses: MVGEN_TEST_S3, or a versitygw that TestMain
// starts. testURL is "" with skipReason set when there is neither.
var (
	testURL    string
	skipReason string
	localGW    bool // testURL is our own versitygw: tests may create buckets
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if u := os.Getenv("MVGEN_TEST_S3"); u != "" {
		// A unique prefix per run keeps runs apart in a shared bucket.
		testURL = withPrefix(u, fmt.Sprintf("mvgen-test-%d", time.Now().UnixNano()))
		code := m.Run()
		if err := removeRun(); err != nil {
			fmt.Fprintf(os.Stderr, "s3 tests: removing this run's objects: %v\n", err)
		}
		return code
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "scripts", "versitygw.sh"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	if out, err := exec.Command("bash", script, "path").CombinedOutput(); err != nil {
		skipReason = fmt.Sprintf("versitygw could not be installed (%v): %s", err, bytes.TrimSpace(out))
		return m.Run()
	}
	if d := time.Since(start); d > 5*time.Second {
		fmt.Fprintf(os.Stderr, "s3 tests: installed versitygw in %v\n", d.Round(time.Second))
	}
	dir, err := os.MkdirTemp("", "mvgen-s3-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command("bash", script, "start", dir, strconv.Itoa(port))
	// Should this process die, the script's watchdog stops the gateway.
	cmd.Env = append(os.Environ(), "VERSITYGW_OWNER_PID="+strconv.Itoa(os.Getpid()))
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "s3 tests: starting versitygw: %v\n%s\n", err, out)
		return 1
	}
	defer exec.Command("bash", script, "stop", dir).Run()

	os.Setenv("AWS_ACCESS_KEY_ID", "mvgen")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "mvgensecret")
	os.Unsetenv("AWS_SESSION_TOKEN")
	testURL = fmt.Sprintf("s3://mvgen-test?endpoint=http://127.0.0.1:%d&region=us-east-1&prefix=run", port)
	localGW = true
	return m.Run()
}

// removeRun deletes what the tests left under the shared store's prefix.
func removeRun() error {
	s := shared.store
	if s == nil || s.prefix == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objects := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true})
	for e := range s.client.RemoveObjects(ctx, s.bucket, objects, minio.RemoveObjectsOptions{}) {
		return e.Err
	}
	return ctx.Err()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// withPrefix appends p to the prefix parameter of the s3:// URL raw.
func withPrefix(raw, p string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // Open reports it
	}
	q := u.Query()
	if old := strings.Trim(q.Get("prefix"), "/"); old != "" {
		p = old + "/" + p
	}
	q.Set("prefix", p)
	u.RawQuery = q.Encode()
	return u.String()
}

var shared struct {
	once  sync.Once
	store *Store
	err   error
}

// testStore returns the store shared by all tests, or skips.
func testStore(t *testing.T) *Store {
	t.Helper()
	if testURL == "" && os.Getenv("CI") != "" {
		t.Fatal(skipReason)
	}
	if testURL == "" {
		t.Skip(skipReason)
	}
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shared.store, shared.err = Open(ctx, testURL)
	})
	if shared.err != nil {
		t.Fatalf("Open: %v", shared.err)
	}
	return shared.store
}

// testKey is a key no other test uses.
func testKey(t *testing.T, name string) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "/" + name
}

// payload is n bytes that differ at every offset that matters here.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestPutOpen(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	tests := []struct {
		name  string
		size  int
		limit int64
	}{
		{"empty", 0, 0},
		{"small", 100, 0},
		{"at the limit", 100, 100},
		{"under the limit", 100, 1000},
		{"two parts", minPartSize + 12345, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			key := testKey(t, "video.mp4")
			data := payload(tt.size)
			st := *s
			st.partSize = minPartSize
			before := time.Now().Add(-time.Minute) // allows for clock skew
			n, err := st.Put(ctx, key, bytes.NewReader(data), tt.limit)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if n != int64(tt.size) {
				t.Errorf("Put returned %d, want %d", n, tt.size)
			}
			o, err := s.Open(ctx, key)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer o.Close()
			if got := o.Size(); got != int64(tt.size) {
				t.Errorf("got Size %d, want %d", got, tt.size)
			}
			if mt := o.ModTime(); mt.Before(before) || mt.After(time.Now().Add(time.Minute)) {
				t.Errorf("got ModTime %v, want about now", mt)
			}
			got, err := io.ReadAll(o)
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("got %d bytes back, want the %d put", len(got), len(data))
			}
			if tt.size < 20 {
				return
			}
			mid := int64(tt.size / 2)
			if pos, err := o.Seek(mid, io.SeekStart); err != nil || pos != mid {
				t.Fatalf("Seek(%d): got %d, %v, want %d, nil", mid, pos, err, mid)
			}
			buf := make([]byte, 10)
			if _, err := io.ReadFull(o, buf); err != nil {
				t.Fatalf("reading at %d: %v", mid, err)
			}
			if want := data[mid : mid+10]; !bytes.Equal(buf, want) {
				t.Errorf("got % x at %d, want % x", buf, mid, want)
			}
			if end, err := o.Seek(0, io.SeekEnd); err != nil || end != int64(tt.size) {
				t.Errorf("Seek(0, end): got %d, %v, want %d, nil", end, err, tt.size)
			}
		})
	}
}

func TestPutOverLimit(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	tests := []struct {
		name  string
		size  int
		limit int64
		old   []byte // already under the key, if not nil
	}{
		{"one byte over", 101, 100, nil},
		{"far over", 10000, 100, nil},
		{"after a full part", minPartSize + 100, minPartSize + 50, nil},
		{"keeps the old object", 101, 100, []byte("old")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			key := testKey(t, "big.mp4")
			st := *s
			st.partSize = minPartSize
			if tt.old != nil {
				if _, err := st.Put(ctx, key, bytes.NewReader(tt.old), 0); err != nil {
					t.Fatalf("Put old: %v", err)
				}
			}
			n, err := st.Put(ctx, key, bytes.NewReader(payload(tt.size)), tt.limit)
			if !errors.Is(err, blob.ErrTooLarge) || n != 0 {
				t.Fatalf("Put %d bytes with limit %d: got %d, %v, want 0, %v", tt.size, tt.limit, n, err, blob.ErrTooLarge)
			}
			o, err := s.Open(ctx, key)
			if tt.old == nil {
				if !errors.Is(err, blob.ErrNotFound) {
					if err == nil {
						o.Close()
					}
					t.Fatalf("Open after a refused Put: got %v, want %v", err, blob.ErrNotFound)
				}
			} else {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				got, err := io.ReadAll(o)
				o.Close()
				if err != nil || !bytes.Equal(got, tt.old) {
					t.Fatalf("after a refused Put: got %q, %v, want %q, nil", got, err, tt.old)
				}
			}
			for u := range s.client.ListIncompleteUploads(ctx, s.bucket, s.prefix+key, false) {
				if u.Err != nil {
					t.Fatalf("listing uploads: %v", u.Err)
				}
				t.Errorf("got incomplete upload %s of %s, want none", u.UploadID, u.Key)
			}
		})
	}
}

func TestPutContextCancelled(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	key := testKey(t, "x")
	if _, err := s.Put(ctx, key, strings.NewReader("data"), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: got %v, want %v", err, context.Canceled)
	}
	if _, err := s.Open(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open: got %v, want %v", err, blob.ErrNotFound)
	}
}

func TestPutFile(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx := t.Context()
	src := filepath.Join(t.TempDir(), "out.mp4")
	data := payload(3000)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	key := testKey(t, "video.mp4")
	if err := s.PutFile(ctx, key, src); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("source after PutFile: got %v, want it gone", err)
	}
	o, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()
	got, err := io.ReadAll(o)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("got %d bytes, %v, want the %d put", len(got), err, len(data))
	}

	if err := s.PutFile(ctx, testKey(t, "missing.mp4"), src); err == nil {
		t.Errorf("PutFile of a missing file: got nil, want an error")
	}
}

func TestOpenMissing(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	o, err := s.Open(t.Context(), testKey(t, "nothing-here"))
	if !errors.Is(err, blob.ErrNotFound) {
		if err == nil {
			o.Close()
		}
		t.Errorf("got %v, want %v", err, blob.ErrNotFound)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx := t.Context()
	key := testKey(t, "v.mp4")
	if _, err := s.Put(ctx, key, strings.NewReader("abc"), 0); err != nil {
		t.Fatalf("Put: %v", err)
	}
	for i := range 2 {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete #%d: got %v, want nil", i+1, err)
		}
	}
	if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open after Delete: got %v, want %v", err, blob.ErrNotFound)
	}
}

func TestInvalidKeys(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx := t.Context()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(key string) error{
		"Put": func(key string) error {
			_, err := s.Put(ctx, key, strings.NewReader("x"), 0)
			return err
		},
		"PutFile": func(key string) error { return s.PutFile(ctx, key, src) },
		"Open": func(key string) error {
			o, err := s.Open(ctx, key)
			if err == nil {
				o.Close()
			}
			return err
		},
		"Delete": func(key string) error { return s.Delete(ctx, key) },
		"PresignGet": func(key string) error {
			_, err := s.PresignGet(ctx, key, time.Minute, "v.mp4")
			return err
		},
	}
	keys := []string{"", "/a", "a/", "a//b", ".", "..", "../a", "a/../b", "a/./b", `a\b`}
	for name, op := range ops {
		for _, key := range keys {
			err := op(key)
			if err == nil || !strings.Contains(err.Error(), "invalid key") {
				t.Errorf("%s(%q): got %v, want an invalid key error", name, key, err)
			}
		}
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("PutFile with an invalid key touched its source: %v", err)
	}
}

func TestPresignGet(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx := t.Context()
	key := testKey(t, "video.mp4")
	data := payload(100)
	if _, err := s.Put(ctx, key, bytes.NewReader(data), 0); err != nil {
		t.Fatalf("Put: %v", err)
	}
	tests := []struct {
		name, filename, rng string
		status              int
		body                []byte
		disposition         string
	}{
		{"whole", "clip.mp4", "", http.StatusOK, data, `inline; filename="clip.mp4"`},
		{"range", "clip.mp4", "bytes=10-19", http.StatusPartialContent, data[10:20], `inline; filename="clip.mp4"`},
		{"suffix range", "", "bytes=-5", http.StatusPartialContent, data[95:], "inline"},
		{"unicode name", "Ünïcode \"song\".mp4", "", http.StatusOK, data,
			`inline; filename="_n_code _song_.mp4"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%22song%22.mp4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := s.PresignGet(ctx, key, time.Minute, tt.filename)
			if err != nil {
				t.Fatalf("PresignGet: %v", err)
			}
			status, h, body := get(t, u, tt.rng)
			if status != tt.status {
				t.Fatalf("got status %d, want %d; body %q", status, tt.status, body)
			}
			if !bytes.Equal(body, tt.body) {
				t.Errorf("got body % x, want % x", body, tt.body)
			}
			if got := h.Get("Content-Type"); got != "video/mp4" {
				t.Errorf("got Content-Type %q, want video/mp4", got)
			}
			if got := h.Get("Content-Disposition"); got != tt.disposition {
				t.Errorf("got Content-Disposition %q, want %q", got, tt.disposition)
			}
			if tt.rng == "bytes=10-19" {
				if got, want := h.Get("Content-Range"), "bytes 10-19/100"; got != want {
					t.Errorf("got Content-Range %q, want %q", got, want)
				}
			}
		})
	}
}

func TestPresignGetExpires(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx := t.Context()
	key := testKey(t, "video.mp4")
	if _, err := s.Put(ctx, key, strings.NewReader("short-lived"), 0); err != nil {
		t.Fatalf("Put: %v", err)
	}
	u, err := s.PresignGet(ctx, key, 2*time.Second, "v.mp4")
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	if status, _, body := get(t, u, ""); status != http.StatusOK || string(body) != "short-lived" {
		t.Fatalf("before the ttl: got %d %q, want 200 %q", status, body, "short-lived")
	}
	time.Sleep(3 * time.Second)
	if status, _, _ := get(t, u, ""); status != http.StatusForbidden {
		t.Errorf("after the ttl: got status %d, want %d", status, http.StatusForbidden)
	}
}

func TestPresignGetTTL(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	for _, ttl := range []time.Duration{0, -time.Second, 500 * time.Millisecond, MaxPresignTTL + time.Second} {
		if _, err := s.PresignGet(t.Context(), "k", ttl, ""); err == nil {
			t.Errorf("PresignGet with ttl %v: got nil, want an error", ttl)
		}
	}
	if _, err := s.PresignGet(t.Context(), "k", MaxPresignTTL, ""); err != nil {
		t.Errorf("PresignGet with ttl %v: got %v, want nil", MaxPresignTTL, err)
	}
}

// get fetches u as a plain client would, with a Range header if rng is set.
func get(t *testing.T, u, rng string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp.StatusCode, resp.Header, body
}

func TestOpenCreatesBucket(t *testing.T) {
	t.Parallel()
	testStore(t)
	if !localGW {
		t.Skip("MVGEN_TEST_S3 is set: not creating buckets there")
	}
	ctx := t.Context()
	u, err := url.Parse(testURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = fmt.Sprintf("mvgen-new-%d", rand.Uint32())
	for i := range 2 { // creates it, then finds it
		s, err := Open(ctx, u.String())
		if err != nil {
			t.Fatalf("Open #%d of a new bucket: %v", i+1, err)
		}
		if ok, err := s.client.BucketExists(ctx, u.Host); !ok || err != nil {
			t.Fatalf("BucketExists after Open #%d: got %v, %v, want true, nil", i+1, ok, err)
		}
	}
	s, err := Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.RemoveBucket(ctx, u.Host); err != nil {
		t.Errorf("RemoveBucket: %v", err)
	}
}

func TestOpenPrefix(t *testing.T) {
	t.Parallel()
	s := testStore(t)
	ctx := t.Context()
	// The shared store already has a prefix; check objects really live under it.
	if s.prefix == "" {
		t.Fatalf("got no prefix, want the test run's")
	}
	key := testKey(t, "p.mp4")
	if _, err := s.Put(ctx, key, strings.NewReader("p"), 0); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{}); err != nil {
		t.Errorf("stat %s: got %v, want the object", s.prefix+key, err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	testStore(t) // for the credentials in the environment
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	_, err = Open(ctx, fmt.Sprintf("s3://b-unreachable?endpoint=http://127.0.0.1:%d", port))
	if err == nil || !strings.Contains(err.Error(), "checking the bucket") {
		t.Errorf("got %v, want a checking the bucket error", err)
	}
}

func TestOpenNoCredentials(t *testing.T) {
	// Not parallel: it changes the environment.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	_, err := Open(t.Context(), "s3://bucket?endpoint=127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("got %v, want an error naming AWS_ACCESS_KEY_ID", err)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testStore(t)
	dir := testKey(t, "")
	for _, k := range []string{"videos/a.mp4", "videos/b.mp4", "sources/x/audio"} {
		if _, err := s.Put(ctx, dir+k, strings.NewReader("x"), 10); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := s.List(ctx, dir+"videos/")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if want := []string{dir + "videos/a.mp4", dir + "videos/b.mp4"}; !slices.Equal(keys, want) {
		t.Errorf("List(videos/): got %q, want %q", keys, want)
	}
}
