package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/store"
)

// raw sends a request as c and returns the answer's status, Retry-After
// and envelope.
func (c *client) raw(method, path string, body any) (status int, retryAfter string, e envelope) {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := apitest.Client(c.t, c.base).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		c.t.Fatalf("%s %s: answer is not the envelope: %v", method, path, err)
	}
	e.HTTP = resp.StatusCode
	return resp.StatusCode, resp.Header.Get("Retry-After"), e
}

// TestRateLimit: over its bucket a key gets 429 with Retry-After (whole
// seconds) and the envelope; another key is not affected; the hook sees
// the route.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var mu sync.Mutex
	var routes []string
	f.h.Limits.Requests = &limit.Keyed{Rate: limit.Rate{Events: 1, Per: time.Hour}, Burst: 3,
		OnLimited: func(route string) { mu.Lock(); routes = append(routes, route); mu.Unlock() }}
	a, b := f.client("a"), f.client("b")
	for i := range 3 {
		if status, _, e := a.raw(http.MethodGet, "/api/v1/tracks?taskId=x", nil); status != 404 {
			t.Fatalf("request %d of the burst: got %d %q, want 404 (not limited)", i+1, status, e.Msg)
		}
	}
	status, retry, e := a.raw(http.MethodGet, "/api/v1/tracks?taskId=x", nil)
	secs, err := strconv.Atoi(retry)
	if status != 429 || e.Code != 429 || err != nil || secs < 3500 || secs > 3600 || !strings.Contains(e.Msg, "1/h with bursts of 3") {
		t.Errorf("4th request: got %d (code %d) Retry-After %q %q; want 429, Retry-After ~3600, a message naming the limit", status, e.Code, retry, e.Msg)
	}
	if status, _, _ := b.raw(http.MethodGet, "/api/v1/tracks?taskId=x", nil); status != 404 {
		t.Errorf("another key: got %d, want 404 (its own bucket)", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(routes) != 1 || routes[0] != "GET /api/v1/tracks" {
		t.Errorf("OnLimited saw %q, want [GET /api/v1/tracks]", routes)
	}
}

// TestPendingTaskCap: generate answers 429 naming the cap when the key has
// that many unfinished tasks; a finished task frees a place; other keys
// are not affected.
func TestPendingTaskCap(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.h.Limits.MaxPendingTasks = 2
	a, b := f.client("a"), f.client("b")
	m, au := a.track()
	body := map[string]any{"taskId": m, "audioId": au}
	first := a.generate(body)
	a.generate(body)
	status, retry, e := a.raw(http.MethodPost, "/api/v1/mp4/generate", body)
	if status != 429 || retry == "" || !strings.Contains(e.Msg, "2 unfinished tasks, the most allowed (cap 2)") {
		t.Errorf("3rd pending task: got %d Retry-After %q %q; want 429 naming the cap", status, retry, e.Msg)
	}
	bm, ba := b.track()
	b.generate(map[string]any{"taskId": bm, "audioId": ba})
	if _, err := f.db.FinishTask(context.Background(), first, store.Result{Status: mvgen.StatusRenderFailed, CompletedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if status, _, e := a.raw(http.MethodPost, "/api/v1/mp4/generate", body); status != 200 {
		t.Errorf("after a task finished: got %d %q, want 200", status, e.Msg)
	}
}

// TestPendingTaskCapCountsRenditions: each video of a kit is a unit of the
// cap on unfinished tasks; a kit larger than the cap goes through alone.
func TestPendingTaskCapCountsRenditions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.h.Limits.MaxPendingTasks = 3
	a := f.client("a")
	m, au := a.track()
	kit := func(n int) map[string]any {
		var rs []any
		for range n {
			rs = append(rs, map[string]any{"aspect": "9:16"})
		}
		return map[string]any{"taskId": m, "audioId": au, "renditions": rs}
	}
	first := a.generate(kit(1)) // 2 units
	status, _, e := a.raw(http.MethodPost, "/api/v1/mp4/generate", kit(1))
	if status != 429 || !strings.Contains(e.Msg, "2 unfinished videos") || !strings.Contains(e.Msg, "cap of 3") {
		t.Errorf("a 2-video kit beside 2 unfinished videos under a cap of 3: got %d %q, want 429 naming the videos", status, e.Msg)
	}
	a.generate(map[string]any{"taskId": m, "audioId": au}) // 1 unit: 3 in all
	if _, err := f.db.FinishTask(context.Background(), first, store.Result{Status: mvgen.StatusRenderFailed, CompletedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	b := f.client("b")
	bm, ba := b.track()
	if status, _, e := b.raw(http.MethodPost, "/api/v1/mp4/generate", map[string]any{"taskId": bm, "audioId": ba,
		"renditions": []any{map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "1:1"}, map[string]any{"aspect": "4:5"}}}); status != 200 {
		t.Errorf("a 4-video kit with nothing unfinished under a cap of 3: got %d %q, want 200", status, e.Msg)
	}
}

// TestRedeliveryBounded: a task's callback is redelivered at most
// MaxRedeliveries times (422 after), and a key's redelivery requests have
// their own bucket (429).
func TestRedeliveryBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.h.Callbacks.(*delivery.Worker).MaxRedeliveries = 2
	c := f.client("c")
	finished := func() string {
		m, a := c.track()
		id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": "https://example.invalid/hook"})
		if _, err := f.db.FinishTask(context.Background(), id, store.Result{Status: mvgen.StatusRenderFailed,
			ErrorCode: 400, ErrorMessage: "bad", CompletedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	id := finished()
	for want := 2; want <= 3; want++ {
		status, _, e := c.raw(http.MethodPost, "/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": id})
		if status != 200 || !strings.Contains(string(e.Data), fmt.Sprintf(`"delivery":%d`, want)) {
			t.Fatalf("redelivery %d: got %d %q %s", want-1, status, e.Msg, e.Data)
		}
	}
	status, _, e := c.raw(http.MethodPost, "/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": id})
	if status != 422 || !strings.Contains(e.Msg, "already redelivered 2 times, the most allowed") {
		t.Errorf("3rd redelivery: got %d %q, want 422 naming the cap", status, e.Msg)
	}

	f.h.Limits.Redeliveries = &limit.Keyed{Rate: limit.Rate{Events: 1, Per: time.Hour}, Burst: 1}
	other := finished()
	if status, _, e := c.raw(http.MethodPost, "/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": other}); status != 200 {
		t.Fatalf("first redelivery under the rate: got %d %q", status, e.Msg)
	}
	status, retry, e := c.raw(http.MethodPost, "/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": other})
	if status != 429 || retry == "" || !strings.Contains(e.Msg, "redelivery limit exceeded") {
		t.Errorf("second redelivery within the rate: got %d Retry-After %q %q, want 429", status, retry, e.Msg)
	}
}

// TestStalledUploadEnds: an upload that stops sending mid-body is ended
// with 408 within about one window, and leaves no file behind.
func TestStalledUploadEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.h.Limits.MinUploadRate, f.h.Limits.UploadWindow = 1000, 300*time.Millisecond
	c := f.client("c")
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "--B\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.mp3\"\r\n\r\n" + strings.Repeat("a", 4000)
	start := time.Now()
	fmt.Fprintf(conn, "POST /api/v1/tracks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n%s", c.token, 10<<20, head)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled upload: %v", err)
	}
	defer resp.Body.Close()
	var e envelope
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 408 || e.Code != 408 || !strings.Contains(e.Msg, "audio stalled") {
		t.Errorf("stalled upload: got %d (code %d) %q, want 408 naming the stall", resp.StatusCode, e.Code, e.Msg)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("stalled upload answered after %v, want about one window (300ms)", took)
	}
	root := f.h.Blobs.(*blob.Dir).Root
	filepath.WalkDir(filepath.Join(root, "sources"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("a stalled upload left %s", path)
		}
		return nil
	})
}

// TestUploadStorageErrorIs500: a storage failure while an upload is being
// written is the server's fault: 500 with a request id, the detail (paths)
// only in the log.
func TestUploadStorageErrorIs500(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o600)
	f.h.Blobs = &blob.Dir{Root: notADir} // every Put fails: its directory cannot be made
	var logs bytes.Buffer
	f.h.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c := f.client("c")
	e := c.do(http.MethodPost, "/api/v1/tracks", multipartContentType, multipartBody("audio", "a.mp3", "ID3 some audio"))
	if e.Code != 500 || e.HTTP != 500 || !strings.Contains(e.Msg, "request id") || strings.Contains(e.Msg, notADir) {
		t.Errorf("storage failure: got %d %q; want 500 with a request id and no path", e.Code, e.Msg)
	}
	if !strings.Contains(logs.String(), notADir) || !strings.Contains(logs.String(), "storing the uploaded audio") {
		t.Errorf("the log does not carry the detail: %s", logs.String())
	}
}

const multipartContentType = "multipart/form-data; boundary=B"

// multipartBody is a one-file multipart body with boundary B.
func multipartBody(field, filename, content string) *strings.Reader {
	return strings.NewReader("--B\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename +
		"\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--B--\r\n")
}

// TestSourceNetworksApart: networks opened to callbacks are not opened to
// source downloads (mvgen serve --source-allow-net is its own list).
func TestSourceNetworksApart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.h.Guard = &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	c := f.client("c")
	if e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "http://127.0.0.1:9/a.mp3"}); e.Code != 422 || !strings.Contains(e.Msg, "audioUrl") {
		t.Errorf("loopback audioUrl with loopback open to callbacks only: got %d %q, want 422", e.Code, e.Msg)
	}
	m, a := c.track()
	if e := c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": m, "audioId": a, "callBackUrl": "http://127.0.0.1:9/hook"}); e.Code != 200 {
		t.Errorf("loopback callBackUrl with loopback open to callbacks: got %d %q, want 200", e.Code, e.Msg)
	}
	f.h.SourceGuard = &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	if e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "http://10.1.2.3/a.mp3"}); e.Code != 200 {
		t.Errorf("audioUrl in a source network: got %d %q, want 200", e.Code, e.Msg)
	}
}

// TestRendersNotSharedAcrossKeys: identical requests of two keys get two
// render keys, so the second never reuses the first's file.
func TestRendersNotSharedAcrossKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var renderKeys []string
	for _, name := range []string{"a", "b", "a"} {
		c := f.client(name)
		m, au := c.track() // the same audioUrl and title for every key
		id := c.generate(map[string]any{"taskId": m, "audioId": au, "author": "Ada"})
		tk, err := f.db.Task(context.Background(), "", id)
		if err != nil {
			t.Fatal(err)
		}
		renderKeys = append(renderKeys, tk.RenderKey)
	}
	if renderKeys[0] == renderKeys[1] {
		t.Errorf("two keys share render key %s for identical requests", renderKeys[0])
	}
}
