package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store/sqlite"
)

// fixture is the API on a real SQLite store and its queue, over loopback
// HTTP. Nothing renders: jobs are queued and left there.
type fixture struct {
	t     testing.TB
	db    *sqlite.Store
	h     *api.Handler
	srv   *httptest.Server
	files string // the blob directory
}

// openStore opens a SQLite store and its queue in dir, closed when the
// test ends.
func openStore(t testing.TB, dir string) (*sqlite.Store, *queue.Queue[*sql.Tx]) {
	t.Helper()
	opened, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(opened.QueueDriver(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewStore(opened, q)
	t.Cleanup(func() { db.Close() })
	return db, q
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, q := openStore(t, dir)
	links := &link.Signer{Key: link.NewKey()}
	guard := &netguard.Guard{}
	files := filepath.Join(dir, "files")
	callbacks := &delivery.Worker{Store: db, Queue: q, Client: guard.Client(time.Second), Links: links,
		Logger: slog.New(slog.DiscardHandler)}
	h := &api.Handler{Store: db, Blobs: &blob.Dir{Root: files}, Links: links, Guard: guard,
		Callbacks: callbacks, Canceller: callbacks}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	links.BaseURL = srv.URL
	return &fixture{t: t, db: db, h: h, srv: srv, files: files}
}

// client is one API key's view of the fixture.
type client struct {
	t     testing.TB
	base  string
	token string
}

func (f *fixture) client(name string) *client {
	f.t.Helper()
	k, token := mvgen.NewKey(name, "whsec_dGVzdA==", time.Now())
	if err := f.db.CreateKey(context.Background(), k); err != nil {
		f.t.Fatal(err)
	}
	return &client{t: f.t, base: f.srv.URL, token: token}
}

type envelope struct {
	HTTP int
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

func (c *client) do(method, path, contentType string, body io.Reader, header ...string) envelope {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := apitest.Client(c.t, c.base).Do(req) // checked against docs/openapi.yaml
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var e envelope
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		c.t.Fatalf("%s %s: answer is not the envelope: %v", method, path, err)
	}
	e.HTTP = resp.StatusCode
	return e
}

func (c *client) postJSON(path string, body any, header ...string) envelope {
	c.t.Helper()
	b, ok := body.(string)
	if !ok {
		j, _ := json.Marshal(body)
		b = string(j)
	}
	return c.do(http.MethodPost, path, "application/json", strings.NewReader(b), header...)
}

// track registers a track by URL (nothing is fetched until a render).
func (c *client) track() (musicTaskID, audioID string) {
	c.t.Helper()
	e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "https://example.com/a.mp3", "title": "t"})
	var d struct{ TaskID, AudioID string }
	if err := json.Unmarshal(e.Data, &d); e.Code != 200 || err != nil {
		c.t.Fatalf("registering a track: %d %s", e.Code, e.Msg)
	}
	return d.TaskID, d.AudioID
}

func (c *client) generate(body map[string]any) string {
	c.t.Helper()
	e := c.postJSON("/api/v1/mp4/generate", body)
	var d struct{ TaskID string }
	if err := json.Unmarshal(e.Data, &d); e.Code != 200 || err != nil {
		c.t.Fatalf("generate: %d %s", e.Code, e.Msg)
	}
	return d.TaskID
}

// TestValidation covers every 4xx rule of contract §1-2, beside the
// handlers, on a real store, without rendering.
func TestValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, other := f.client("c"), f.client("other")
	musicID, audioID := c.track()
	ok := func(extra map[string]any) map[string]any {
		m := map[string]any{"taskId": musicID, "audioId": audioID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	om, oa := other.track()
	otherTask := other.generate(map[string]any{"taskId": om, "audioId": oa})

	for _, tc := range []struct {
		name    string
		token   string // "" keeps c's key; "-" sends none
		body    any
		want    int
		wantMsg string
	}{
		{"no key", "-", ok(nil), 401, "missing API key"},
		{"unknown key", "mvk_nope", ok(nil), 401, "unknown API key"},
		{"not JSON", "", `{"taskId":`, 400, "not valid JSON"},
		{"not an object", "", `[1,2]`, 400, "JSON object"},
		{"wrong type", "", `{"taskId": 5, "audioId": "x"}`, 400, "taskId must be a JSON string"},
		{"taskId missing", "", map[string]any{"audioId": audioID}, 422, "taskId is required"},
		{"audioId missing", "", map[string]any{"taskId": musicID}, 422, "audioId is required"},
		{"audioId blank", "", ok(map[string]any{"audioId": "   "}), 422, "audioId is required"},
		{"taskId too long", "", ok(map[string]any{"taskId": strings.Repeat("x", 129)}), 422, "taskId must be at most"},
		{"callBackUrl relative", "", ok(map[string]any{"callBackUrl": "/hook"}), 422, "callBackUrl"},
		{"callBackUrl ftp", "", ok(map[string]any{"callBackUrl": "ftp://example.com/x"}), 422, "callBackUrl"},
		{"callBackUrl private IP", "", ok(map[string]any{"callBackUrl": "http://10.0.0.1/x"}), 422, "callBackUrl: host 10.0.0.1 is not allowed"},
		{"callBackUrl metadata", "", ok(map[string]any{"callBackUrl": "http://169.254.169.254/latest"}), 422, "callBackUrl"},
		{"callBackUrl too long", "", ok(map[string]any{"callBackUrl": "https://example.com/" + strings.Repeat("a", 2048)}), 422, "callBackUrl"},
		{"author 51 runes", "", ok(map[string]any{"author": strings.Repeat("周", 51)}), 422, "author must be at most 50 characters"},
		{"domainName 51", "", ok(map[string]any{"domainName": strings.Repeat("d", 51)}), 422, "domainName must be at most 50"},
		{"aspect unknown", "", ok(map[string]any{"aspect": "4:3"}), 422, `aspect: aspect "4:3" is not one of "16:9", "1:1", "9:16" or "4:5"`},
		{"aspect wrong type", "", ok(map[string]any{"aspect": 169}), 400, "aspect must be a JSON string"},
		{"unknown track", "", ok(map[string]any{"audioId": "nope"}), 404, "no track"},
		{"another key's track", "", map[string]any{"taskId": om, "audioId": oa}, 404, "no track"},
		{"body too large", "", `{"taskId":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "limit"},
		{"author 50 CJK runes is fine", "", ok(map[string]any{"author": strings.Repeat("周", 50)}), 200, "success"},
		{"no callBackUrl is fine", "", ok(map[string]any{"domainName": "example.com"}), 200, "success"},
		{"aspect 9:16 is fine", "", ok(map[string]any{"aspect": "9:16"}), 200, "success"},
		{"aspect 4:5 is fine", "", ok(map[string]any{"aspect": "4:5", "resolution": "1080p"}), 200, "success"},
		{"safeArea false is fine", "", ok(map[string]any{"aspect": "9:16", "safeArea": false}), 200, "success"},
		{"safeArea wrong type", "", ok(map[string]any{"safeArea": "no"}), 400, "safeArea must be a JSON boolean"},
		{"embedCaptions is fine", "", ok(map[string]any{"embedCaptions": true}), 200, "success"},
		{"embedCaptions wrong type", "", ok(map[string]any{"embedCaptions": 1}), 400, "embedCaptions must be a JSON boolean"},
		{"renditions are fine", "", ok(map[string]any{"renditions": []any{map[string]any{"aspect": "9:16"},
			map[string]any{"aspect": "4:5", "clip": map[string]any{"start": "auto", "duration": 30}}}}), 200, "success"},
		{"renditions not an array", "", ok(map[string]any{"renditions": "9:16"}), 400, "renditions must be a JSON array of objects"},
		{"rendition clip duration wrong type", "", ok(map[string]any{"renditions": []any{map[string]any{"aspect": "9:16"},
			map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "9:16", "clip": map[string]any{"start": 0, "duration": "30"}}}}),
			400, "renditions[2].clip.duration must be a JSON number, not string"},
		{"rendition clip too long", "", ok(map[string]any{"renditions": []any{map[string]any{"aspect": "9:16"},
			map[string]any{"aspect": "4:5"}, map[string]any{"aspect": "9:16", "clip": map[string]any{"start": 0, "duration": 91}}}}),
			422, "renditions[2].clip.duration must be 5 to 90 seconds (got 91)"},
		{"rendition repeating another", "", ok(map[string]any{"renditions": []any{map[string]any{"aspect": "16:9"}}}), 422,
			"renditions[0] asks for the same video as rendition 0 (the request's own aspect and resolution)"},
		{"rendition without aspect", "", ok(map[string]any{"renditions": []any{map[string]any{"resolution": "1080p"}}}), 422, "renditions[0].aspect is required"},
		{"seven renditions", "", ok(map[string]any{"renditions": []any{map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "9:16"},
			map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "9:16"},
			map[string]any{"aspect": "9:16"}}}), 422, "renditions may hold at most 6 renditions (got 7)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			switch tc.token {
			case "-":
				cc.token = ""
			case "":
			default:
				cc.token = tc.token
			}
			e := cc.postJSON("/api/v1/mp4/generate", tc.body)
			if e.Code != tc.want || e.HTTP != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got code %d (HTTP %d) %q, want %d with %q", e.Code, e.HTTP, e.Msg, tc.want, tc.wantMsg)
			}
			if strings.Contains(e.Msg, "netguard") {
				t.Errorf("message %q leaks the package name", e.Msg)
			}
		})
	}

	t.Run("another key's task is 404", func(t *testing.T) {
		cc := *c
		cc.t = t
		if e := cc.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+otherTask, "", nil); e.Code != 404 || e.HTTP != 404 {
			t.Errorf("record-info of another key's task = %d, want 404", e.Code)
		}
		if e := other.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+otherTask, "", nil); e.Code != 200 {
			t.Errorf("record-info of own task = %d %s, want 200", e.Code, e.Msg)
		}
	})
	t.Run("record-info without taskId", func(t *testing.T) {
		if e := c.do(http.MethodGet, "/api/v1/mp4/record-info", "", nil); e.Code != 422 {
			t.Errorf("got %d, want 422", e.Code)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		if e := c.do(http.MethodGet, "/api/v1/nope", "", nil); e.Code != 404 || e.HTTP != 404 {
			t.Errorf("got %d, want 404", e.Code)
		}
	})
	t.Run("idempotency", func(t *testing.T) {
		body := ok(map[string]any{"author": "A"})
		first := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", "k1")
		again := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", "k1")
		if first.Code != 200 || string(first.Data) != string(again.Data) {
			t.Errorf("same key and body: %s then %s, want the same taskId", first.Data, again.Data)
		}
		body["author"] = "B"
		if e := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", "k1"); e.Code != 409 {
			t.Errorf("same key, other body: %d %s, want 409", e.Code, e.Msg)
		}
		fresh := c.postJSON("/api/v1/mp4/generate", body)
		if fresh.Code != 200 || string(fresh.Data) == string(first.Data) {
			t.Errorf("without a key a repeat makes a new task: got %s", fresh.Data)
		}
		long := strings.Repeat("k", mvgen.MaxIdempotencyKeyBytes+1)
		if e := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", long); e.Code != 422 {
			t.Errorf("Idempotency-Key of %d bytes: %d, want 422", len(long), e.Code)
		}
	})
	t.Run("revoked key", func(t *testing.T) {
		rc := f.client("revoked")
		keys, _ := f.db.Keys(context.Background())
		for _, k := range keys {
			if k.Name == "revoked" {
				f.db.RevokeKey(context.Background(), k.ID, time.Now())
			}
		}
		rc.t = t
		if e := rc.postJSON("/api/v1/mp4/generate", ok(nil)); e.Code != 401 || !strings.Contains(e.Msg, "revoked") {
			t.Errorf("revoked key: %d %q, want 401 revoked", e.Code, e.Msg)
		}
	})
	t.Run("track upload without audio", func(t *testing.T) {
		if e := c.postJSON("/api/v1/tracks", map[string]any{"title": "x"}); e.Code != 422 || !strings.Contains(e.Msg, "audioUrl") {
			t.Errorf("got %d %q, want 422 naming audioUrl", e.Code, e.Msg)
		}
		if e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "http://192.168.1.1/a.mp3"}); e.Code != 422 || strings.Contains(e.Msg, "netguard") {
			t.Errorf("blocked audioUrl: got %d %q, want 422 without the package name", e.Code, e.Msg)
		}
		if e := c.do(http.MethodGet, "/api/v1/tracks?taskId="+musicID, "", nil); e.Code != 200 || !strings.Contains(string(e.Data), audioID) {
			t.Errorf("GET tracks: %d %s", e.Code, e.Data)
		}
		oc := *other
		oc.t = t
		if e := oc.do(http.MethodGet, "/api/v1/tracks?taskId="+musicID, "", nil); e.Code != 404 {
			t.Errorf("another key's tracks: got %d, want 404", e.Code)
		}
	})
	t.Run("redeliver", func(t *testing.T) {
		id := c.generate(ok(map[string]any{"callBackUrl": "https://example.com/hook"}))
		if e := c.postJSON("/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": id}); e.Code != 409 {
			t.Errorf("redeliver while rendering: %d %q, want 409", e.Code, e.Msg)
		}
		plain := c.generate(ok(nil))
		if e := c.postJSON("/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": plain}); e.Code != 422 {
			t.Errorf("redeliver without callBackUrl: %d %q, want 422", e.Code, e.Msg)
		}
		if e := other.postJSON("/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": id}); e.Code != 404 {
			t.Errorf("redeliver another key's task: %d, want 404", e.Code)
		}
	})
}

// TestZeroValueHandler: a Handler with no Logger serves, and an internal
// error answers 500 with a request id instead of panicking.
func TestZeroValueHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	f.db.Close() // every query now fails
	e := c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": "m", "audioId": "a"})
	if e.Code != 500 && e.Code != 401 || !strings.Contains(e.Msg, "request id") {
		t.Errorf("with the database closed: %d %q, want 500 with a request id", e.Code, e.Msg)
	}
}

// TestDrain: while the server drains, generate answers 455 with HTTP 503
// (contract §1) and reads go on.
func TestDrain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	post := func() envelope {
		return c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": "m", "audioId": "a"})
	}
	if e := post(); e.HTTP != 404 || e.Code != 404 {
		t.Fatalf("before draining: HTTP %d code %d, want 404 (no such track)", e.HTTP, e.Code)
	}
	f.h.Drain()
	if e := post(); e.HTTP != 503 || e.Code != 455 {
		t.Errorf("draining: HTTP %d code %d, want HTTP 503 with code 455", e.HTTP, e.Code)
	}
	resp, err := apitest.Client(t, f.srv.URL).Get(f.srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("healthz while draining = %d, want 503", resp.StatusCode)
	}
}
