package api_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
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
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/webhook"
)

// The conformance suite: for every dialect, the documented create request
// is sent verbatim, and every answer and callback is checked against the
// documented examples (testdata/conformance/<dialect>/, see its README)
// field by field, then against the exact values the dialect's mapping file
// (conformance_<dialect>_test.go) gives for each stage of a task.

// dialectSpec is one dialect's mapping.
type dialectSpec struct {
	// createPath and recordPath are the dialect's routes.
	createPath string
	recordPath func(taskID string) string
	// source names the track a create request asks for.
	source func(req map[string]any) (musicTaskID, audioID string)
	// setCallback puts a callback URL into a create request.
	setCallback func(req map[string]any, url string)
	// checkCreate checks a create answer's values and returns the task id.
	checkCreate func(t *testing.T, answer map[string]any) string
	// checkRecord and checkCallback check the values of a record and a
	// callback body at a stage of the task.
	checkRecord   func(t *testing.T, answer map[string]any, x stage)
	checkCallback func(t *testing.T, body map[string]any, x stage)
	// opaque lists fields holding JSON whose content the examples cannot
	// show (another model's); checkRecord and checkCallback check them.
	opaque []string
}

// stage is what a task is at one point, for the mapping's checks.
type stage struct {
	name     string // "pending", "success" or "fail"
	taskID   string
	request  []byte // the create request as sent
	videoURL string // set at success: the link's start (links are fresh each read)
	failCode int
	failMsg  string
	created  time.Time
	done     time.Time
}

// dialects are the registered mapping files.
var dialects = map[string]*dialectSpec{}

func TestConformance(t *testing.T) {
	t.Parallel()
	names := make([]string, 0, len(dialects))
	for n := range dialects {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 2 {
		t.Fatalf("dialects = %q, want mp4 and jobs at least", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conform(t, name, dialects[name])
		})
	}
}

// conformFixture is the API with a delivery worker that may reach the
// test's receiver on loopback.
type conformFixture struct {
	db        *sqlite.Store
	srv       *httptest.Server
	callbacks *delivery.Worker
	key       *mvgen.Key
	token     string
}

func newConformFixture(t *testing.T) *conformFixture {
	dir := t.TempDir()
	db, q := openStore(t, dir)
	links := &link.Signer{Key: link.NewKey()}
	guard := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	callbacks := &delivery.Worker{Store: db, Queue: q, Client: guard.Client(5 * time.Second), Links: links,
		Logger: slog.New(slog.DiscardHandler)}
	t.Cleanup(callbacks.Close)
	h := &api.Handler{Store: db, Blobs: &blob.Dir{Root: filepath.Join(dir, "files")}, Links: links, Guard: guard,
		Callbacks: callbacks, Canceller: callbacks}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	links.BaseURL = srv.URL
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	k, token := mvgen.NewKey("conformance", secret, time.Now())
	if err := db.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return &conformFixture{db: db, srv: srv, callbacks: callbacks, key: k, token: token}
}

// call sends a request (checked against docs/openapi.yaml) and decodes
// its JSON answer.
func (f *conformFixture) call(t *testing.T, method, path string, body []byte) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := apitest.Client(t, f.srv.URL).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

func conform(t *testing.T, name string, d *dialectSpec) {
	f := newConformFixture(t)
	ctx := context.Background()
	example := func(file string) any {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "conformance", name, file))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s/%s: %v", name, file, err)
		}
		return v
	}
	documented, err := os.ReadFile(filepath.Join("testdata", "conformance", name, "create-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req map[string]any
	if err := json.Unmarshal(documented, &req); err != nil {
		t.Fatal(err)
	}
	musicID, audioID := d.source(req)
	if err := f.db.CreateTrack(ctx, &mvgen.Track{KeyID: f.key.ID, MusicTaskID: musicID, ID: audioID,
		AudioURL: "https://example.com/song.mp3", Title: "Documented", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	// The documented request, verbatim.
	before := time.Now().Truncate(time.Millisecond)
	answer := f.call(t, http.MethodPost, d.createPath, documented)
	sameShape(t, "create answer", example("create-answer.json"), answer, true, d.opaque)
	id := d.checkCreate(t, answer)
	rec := f.call(t, http.MethodGet, d.recordPath(id), nil)
	sameShape(t, "pending record", example("record-answer.json"), rec, false, d.opaque)
	d.checkRecord(t, rec, stage{name: "pending", taskID: id, request: documented, created: before})

	// Callbacks need a receiver: the same request with its URL.
	type delivered struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivered, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		apitest.CheckCallback(t, r, b) // headers and body as docs/openapi.yaml's webhooks say
		got <- delivered{r.Header.Clone(), b}
	}))
	defer receiver.Close()
	for _, tc := range []struct {
		stage  string
		result store.Result
	}{
		{"success", store.Result{Status: mvgen.StatusSuccess, VideoKey: "v.mp4", VideoSize: 1}},
		{"fail", store.Result{Status: mvgen.StatusCreateFailed, ErrorCode: webhook.CodeDownloadFailed,
			ErrorMessage: "Source audio file download failed"}},
	} {
		t.Run(tc.stage, func(t *testing.T) {
			d.setCallback(req, receiver.URL+"/hook")
			sent, _ := json.Marshal(req)
			created := time.Now().Truncate(time.Millisecond)
			id := d.checkCreate(t, f.call(t, http.MethodPost, d.createPath, sent))
			task, err := f.db.Task(ctx, "", id)
			if err != nil {
				t.Fatal(err)
			}
			r := tc.result
			r.CompletedAt = time.Now().UTC().Truncate(time.Millisecond)
			if r.VideoKey != "" {
				r.ExpiresAt = r.CompletedAt.Add(link.Validity)
			}
			if err := f.callbacks.Finish(ctx, task, r); err != nil {
				t.Fatal(err)
			}
			x := stage{name: tc.stage, taskID: id, request: sent, created: created, done: r.CompletedAt,
				failCode: r.ErrorCode, failMsg: r.ErrorMessage}
			if r.VideoKey != "" {
				x.videoURL = f.srv.URL + "/v1/videos/" + id + ".mp4?"
			}
			var cb delivered
			select {
			case cb = <-got:
			case <-time.After(20 * time.Second):
				t.Fatal("no callback")
			}
			body := cb.body
			verifyBothSignatures(t, cb.header, body, f.key.WebhookSecret, id)
			var parsed map[string]any
			if err := json.Unmarshal(body, &parsed); err != nil {
				t.Fatalf("callback body %s: %v", body, err)
			}
			file := "callback-success.json"
			if tc.stage == "fail" {
				file = "callback-failure.json"
			}
			sameShape(t, "callback", example(file), parsed, tc.stage == "success", d.opaque)
			d.checkCallback(t, parsed, x)
			rec := f.call(t, http.MethodGet, d.recordPath(id), nil)
			sameShape(t, tc.stage+" record", example("record-answer.json"), rec, tc.stage == "success", d.opaque)
			d.checkRecord(t, rec, x)
		})
	}
}

// verifyBothSignatures checks a callback's two signatures with the
// contract's formulas (§5), written out here.
func verifyBothSignatures(t *testing.T, h http.Header, body []byte, secret, taskID string) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", h.Get("webhook-id"), h.Get("webhook-timestamp"), body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.Get("webhook-signature") != want {
		t.Errorf("webhook-signature = %q, want %q", h.Get("webhook-signature"), want)
	}
	mac = hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%s.%s", taskID, h.Get("X-Webhook-Timestamp"))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.Get("X-Webhook-Signature") != want {
		t.Errorf("X-Webhook-Signature = %q, want %q (over the task id)", h.Get("X-Webhook-Signature"), want)
	}
}

// sameShape checks that got has every field of the documented example
// want, of the same JSON type, recursively; a string of want that holds a
// JSON object must hold one in got, of the same shape (unless its field is
// opaque). Loose (strict false) accepts null for any field and an empty
// string for JSON in a string: a task that has not finished has no times
// or results yet.
func sameShape(t *testing.T, where string, want, got any, strict bool, opaque []string) {
	t.Helper()
	var walk func(path string, want, got any)
	walk = func(path string, want, got any) {
		if want == nil || (!strict && got == nil) {
			return // the example leaves the type open, or nothing yet
		}
		switch w := want.(type) {
		case map[string]any:
			g, ok := got.(map[string]any)
			if !ok {
				t.Errorf("%s: %s is %s, want an object", where, path, kind(got))
				return
			}
			for k, wv := range w {
				gv, ok := g[k]
				if !ok {
					t.Errorf("%s: %s.%s is missing (documented: %v)", where, path, k, wv)
					continue
				}
				walk(path+"."+k, wv, gv)
			}
		case []any:
			g, ok := got.([]any)
			if !ok {
				t.Errorf("%s: %s is %s, want an array", where, path, kind(got))
				return
			}
			for i, gv := range g {
				if len(w) > 0 {
					walk(fmt.Sprintf("%s[%d]", path, i), w[0], gv)
				}
			}
		case string:
			g, ok := got.(string)
			if !ok {
				t.Errorf("%s: %s is %s, want a string", where, path, kind(got))
				return
			}
			var inner any
			if json.Unmarshal([]byte(w), &inner) != nil || kind(inner) != "an object" || isOpaque(path, opaque) || (!strict && g == "") {
				return
			}
			var gotInner any
			if err := json.Unmarshal([]byte(g), &gotInner); err != nil {
				t.Errorf("%s: %s = %q, want a string holding JSON like %s", where, path, g, w)
				return
			}
			walk(path+"(JSON)", inner, gotInner)
		default:
			if kind(want) != kind(got) {
				t.Errorf("%s: %s is %s, want %s", where, path, kind(got), kind(want))
			}
		}
	}
	walk("$", want, got)
}

func isOpaque(path string, opaque []string) bool {
	for _, o := range opaque {
		if strings.HasSuffix(path, "."+o) {
			return true
		}
	}
	return false
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// field reads a path of keys from a decoded JSON object.
func field(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// checkFields compares fields of a decoded answer with wanted values (nil
// means JSON null; a func(any) error judges the value).
func checkFields(t *testing.T, where string, v any, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got := field(v, strings.Split(k, ".")...)
		switch w := want[k].(type) {
		case func(any) error:
			if err := w(got); err != nil {
				t.Errorf("%s: %s = %v: %v", where, k, got, err)
			}
		case int:
			if n, ok := got.(float64); !ok || n != float64(w) {
				t.Errorf("%s: %s = %v, want %d", where, k, got, w)
			}
		case int64:
			if n, ok := got.(float64); !ok || int64(n) != w {
				t.Errorf("%s: %s = %v, want %d", where, k, got, w)
			}
		default:
			if got != want[k] {
				t.Errorf("%s: %s = %#v, want %#v", where, k, got, want[k])
			}
		}
	}
}

// absent fails when the object has the key.
func absent(t *testing.T, where string, v any, key string) {
	t.Helper()
	if m, ok := v.(map[string]any); ok {
		if _, has := m[key]; has {
			t.Errorf("%s: has %q, which the dialect does not", where, key)
		}
	}
}

// hasPrefix judges a string value.
func hasPrefix(prefix string) func(any) error {
	return func(v any) error {
		if s, ok := v.(string); !ok || !strings.HasPrefix(s, prefix) {
			return fmt.Errorf("want a string starting %q", prefix)
		}
		return nil
	}
}

// between judges an epoch-milliseconds number.
func between(from, to time.Time) func(any) error {
	return func(v any) error {
		n, ok := v.(float64)
		if !ok || int64(n) < from.UnixMilli() || int64(n) > to.UnixMilli() {
			return fmt.Errorf("want epoch ms between %d and %d", from.UnixMilli(), to.UnixMilli())
		}
		return nil
	}
}
