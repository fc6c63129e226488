package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/server"
)

// logBuffer collects a server's log lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(b.buf.String(), "\n")
}

// scrape reads url's metrics, checked against docs/openapi.yaml.
func scrape(t *testing.T, base, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := apitest.Client(t, base).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value is the sample of family name whose labels include labels
// ("k=v" pairs): a counter's or gauge's value, a histogram's count.
// Missing is -1.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsAfterRender runs two tasks end to end (one rendered from a
// downloaded source whose callback fails once, one whose source answers
// 404), scrapes /metrics over loopback and checks every counter moved by
// what happened; the log lines about the generate request carry its
// request id and task id.
func TestMetricsAfterRender(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := serverConfig(dir)
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	rcv := newReceiver(t, 500) // the first attempt fails, the retry gets 200

	audio := makeAudio(t, t.TempDir(), "track.mp3", 3)
	size, _ := os.Stat(audio)
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/track.mp3" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, audio)
	}))
	defer source.Close()

	track := func(url string) (string, string) {
		e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": url, "title": "metrics"})
		if e.Code != 200 {
			t.Fatalf("track: %d %s", e.Code, e.Msg)
		}
		var d struct{ TaskID, AudioID string }
		if err := jsonUnmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		return d.TaskID, d.AudioID
	}
	music, audioID := track(source.URL + "/track.mp3")
	okTask := c.generate(map[string]any{"taskId": music, "audioId": audioID, "callBackUrl": rcv.URL + "/hook"})
	music, audioID = track(source.URL + "/gone.mp3")
	e := c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": music, "audioId": audioID},
		"X-Request-Id", "req-metrics-404")
	var gone struct{ TaskID string }
	if e.Code != 200 || jsonUnmarshal(e.Data, &gone) != nil {
		t.Fatalf("generate: %d %s", e.Code, e.Msg)
	}

	if r := c.waitDone(okTask, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Fatalf("task %s: %s, want SUCCESS", okTask, r.SuccessFlag)
	}
	if r := c.waitDone(gone.TaskID, time.Minute); r.SuccessFlag != "CREATE_TASK_FAILED" {
		t.Fatalf("task %s: %s, want CREATE_TASK_FAILED", gone.TaskID, r.SuccessFlag)
	}
	rcv.next(t, 30*time.Second)
	rcv.next(t, 30*time.Second)

	// The delivery is recorded just after the receiver answers, and the
	// queue marks a job completed a moment after its worker returns (River
	// completes jobs in batches): wait for both.
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		fams = scrape(t, srv.URL(), srv.MetricsURL())
		settled := value(fams, "mvgen_callback_delivery_latency_seconds") == 1 &&
			value(fams, "mvgen_queue_jobs", "kind=render", "state=running") == 0
		if settled || time.Now().After(deadline) {
			break
		}
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"mvgen_tasks_created_total", nil, 2},
		{"mvgen_tasks_finished_total", []string{"status=SUCCESS"}, 1},
		{"mvgen_tasks_finished_total", []string{"status=CREATE_TASK_FAILED"}, 1},
		{"mvgen_tasks_finished_total", []string{"status=GENERATE_MP4_FAILED"}, 0},
		{"mvgen_http_requests_total", []string{"route=POST /api/v1/mp4/generate", "code=200"}, 2},
		{"mvgen_http_requests_total", []string{"route=POST /api/v1/tracks", "code=200"}, 2},
		{"mvgen_http_request_duration_seconds", []string{"route=POST /api/v1/mp4/generate"}, 2},
		{"mvgen_render_duration_seconds", nil, 1},
		{"mvgen_render_speed_ratio", nil, 1},
		{"mvgen_source_fetch_bytes_total", nil, float64(size.Size())},
		{"mvgen_source_fetch_failures_total", []string{"reason=4xx"}, 1},
		{"mvgen_callback_attempts_total", []string{"outcome=5xx"}, 1},
		{"mvgen_callback_attempts_total", []string{"outcome=2xx"}, 1},
		{"mvgen_callback_attempts_total", []string{"outcome=refused"}, 0},
		{"mvgen_callback_delivery_latency_seconds", nil, 1},
		// Both sources are URLs: two fetch jobs; the one that answers 404
		// fails in the fetch stage, so only one render job.
		{"mvgen_queue_wait_seconds", []string{"kind=fetch"}, 2},
		{"mvgen_queue_wait_seconds", []string{"kind=render"}, 1},
		{"mvgen_queue_jobs", []string{"kind=render", "state=available"}, 0},
		{"mvgen_queue_jobs", []string{"kind=render", "state=running"}, 0},
	} {
		if got := value(fams, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	// The render's speed: a 3-second track rendered in more than 0 s.
	if h := fams["mvgen_render_speed_ratio"]; h != nil && h.Metric[0].Histogram.GetSampleSum() <= 0 {
		t.Errorf("mvgen_render_speed_ratio sum = %v, want > 0", h.Metric[0].Histogram.GetSampleSum())
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("%s is missing: the Go and process collectors are not registered", name)
		}
	}

	// Log lines: the generate request's access line names its request id
	// and its task; the render's lines name their task; the fetch stage's
	// line about the failed source names the task and the request that made
	// it.
	access := regexp.MustCompile(`msg="http request".*route="POST /api/v1/mp4/generate".*request=req-metrics-404 task=` + gone.TaskID)
	fetchLine := regexp.MustCompile(`msg="source download failed".*task=` + gone.TaskID + ` request=req-metrics-404`)
	var sawAccess, sawRender, sawFetch bool
	for _, l := range logs.lines() {
		sawAccess = sawAccess || access.MatchString(l)
		sawRender = sawRender || strings.Contains(l, "msg=rendering") && strings.Contains(l, "task="+okTask)
		sawFetch = sawFetch || fetchLine.MatchString(l)
	}
	if !sawFetch {
		t.Errorf("no fetch line matching %s in the log:\n%s", fetchLine, strings.Join(logs.lines(), "\n"))
	}
	if !sawAccess {
		t.Errorf("no access line matching %s in the log:\n%s", access, strings.Join(logs.lines(), "\n"))
	}
	if !sawRender {
		t.Errorf("no line msg=rendering task=%s in the log", okTask)
	}
}

// TestMetricsAccess: metrics are served on their own listener and never on
// the main one, not even to a loopback peer without proxy headers (what a
// same-host reverse proxy that adds none looks like: issue 19 item 6);
// --metrics-addr off serves none; the default is loopback. Every answer
// carries X-Request-Id.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverConfig(t.TempDir())) // MetricsAddr 127.0.0.1:0
	get := func(url string, header ...string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := apitest.Client(t, srv.URL()).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, header := range [][]string{nil, {"Via", "1.1 nginx"}, {"X-Forwarded-For", "203.0.113.9"}} {
		if resp, body := get(srv.URL()+"/metrics", header...); resp.StatusCode != 404 || strings.Contains(body, "mvgen_") {
			t.Errorf("GET /metrics on the main listener from loopback (header %v): %s, want 404 without metrics", header, resp.Status)
		}
	}
	main := strings.TrimPrefix(srv.URL(), "http://")
	if u := srv.MetricsURL(); u == "" || strings.Contains(u, main) || !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Errorf("MetricsURL %q, want a loopback listener apart from %s", u, main)
	}
	resp, err := http.Get(srv.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "mvgen_tasks_created_total 0") {
		t.Errorf("GET %s: %s, want 200 with the metrics", srv.MetricsURL(), resp.Status)
	}
	if resp, _ := get(srv.URL()+"/healthz", "X-Request-Id", "bad id; drop=1"); len(resp.Header.Get("X-Request-Id")) != 16 {
		t.Errorf("X-Request-Id for an unusable one = %q, want a new 16-digit id", resp.Header.Get("X-Request-Id"))
	}

	cfg := serverConfig(t.TempDir())
	cfg.MetricsAddr = server.MetricsOff
	off := startServer(t, cfg)
	if u := off.MetricsURL(); u != "" {
		t.Errorf("MetricsURL with --metrics-addr off = %q, want none", u)
	}
	if resp, _ := get(off.URL()+"/metrics", "X-Request-Id", "abc-1"); resp.StatusCode != 404 || resp.Header.Get("X-Request-Id") != "abc-1" {
		t.Errorf("GET /metrics with metrics off: %s, X-Request-Id %q; want 404 and abc-1", resp.Status, resp.Header.Get("X-Request-Id"))
	}
	// A second node on the first one's metrics port does not start.
	cfg = serverConfig(t.TempDir())
	cfg.Addr = "127.0.0.1:0"
	cfg.MetricsAddr = strings.TrimSuffix(strings.TrimPrefix(srv.MetricsURL(), "http://"), "/metrics")
	if s, err := server.Open(context.Background(), cfg); err == nil {
		s.Close()
		t.Errorf("Open on a metrics address in use: no error")
	} else if !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("Open on a metrics address in use: %v, want the flag named", err)
	}
	if d := server.DefaultConfig().MetricsAddr; d != "127.0.0.1:9464" {
		t.Errorf("default --metrics-addr %q, want loopback 127.0.0.1:9464", d)
	}
}

// TestMetricsUnmatchedRoute: on the real node (the dashboard's mux in
// front of the API's, whose catch-all answers 404), a request no route
// serves is counted as route="unmatched", as docs/DECISIONS.md says, never
// under the catch-all's pattern "/": a scanner's paths make no new series
// and do not pass for a route.
func TestMetricsUnmatchedRoute(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverConfig(t.TempDir()))
	for _, req := range []struct{ method, path string }{
		{"GET", "/nothing"}, {"GET", "/api/v1/nothing"}, {"POST", "/wp-login.php"}, {"DELETE", "/healthz"},
	} {
		r, _ := http.NewRequest(req.method, srv.URL()+req.path, nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s %s: %s, want 404", req.method, req.path, resp.Status)
		}
	}
	fams := scrape(t, srv.URL(), srv.MetricsURL())
	if got := value(fams, "mvgen_http_requests_total", "route=unmatched", "code=404"); got != 4 {
		t.Errorf(`mvgen_http_requests_total{route="unmatched",code="404"} = %v, want 4`, got)
	}
	if got := value(fams, "mvgen_http_requests_total", "route=/"); got != -1 {
		t.Errorf(`mvgen_http_requests_total{route="/"} = %v, want no such series`, got)
	}
}

// TestReadyz: ready on a working node; 503 naming the check when the
// database is closed, the file storage refuses writes or ffmpeg is gone.
func TestReadyz(t *testing.T) {
	t.Parallel()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		breaks func(t *testing.T, srv *running, cfg *serverParts)
		want   string
	}{
		{"ready", func(*testing.T, *running, *serverParts) {}, ""},
		{"database closed", func(t *testing.T, srv *running, _ *serverParts) {
			if err := srv.Store().Close(); err != nil {
				t.Fatal(err)
			}
		}, "database: "},
		{"storage refuses writes", func(t *testing.T, _ *running, p *serverParts) {
			// The files directory becomes a plain file: nothing can be written under it.
			files := filepath.Join(p.dataDir, "files")
			if err := os.RemoveAll(files); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(files, []byte("not a directory"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "storage: "},
		{"ffmpeg missing", func(t *testing.T, _ *running, p *serverParts) {
			if err := os.Remove(p.ffmpeg); err != nil {
				t.Fatal(err)
			}
		}, "ffmpeg: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := &serverParts{dataDir: filepath.Join(dir, "data"), ffmpeg: filepath.Join(dir, "ffmpeg")}
			if err := os.Symlink(ffmpeg, p.ffmpeg); err != nil {
				t.Fatal(err)
			}
			cfg := serverConfig(dir)
			cfg.FFmpeg = p.ffmpeg
			cfg.APIOnly = tc.name == "database closed" // no workers to trip over the closed database
			if cfg.APIOnly {
				cfg.FFmpeg = ""
			}
			srv := startServer(t, cfg)
			tc.breaks(t, srv, p)
			resp, err := apitest.Client(t, srv.URL()).Get(srv.URL() + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			switch {
			case tc.want == "" && (resp.StatusCode != 200 || body != "ready\n"):
				t.Errorf("GET /readyz = %s %q, want 200 \"ready\\n\"", resp.Status, body)
			case tc.want != "" && (resp.StatusCode != 503 || !strings.HasPrefix(body, "not ready\n"+tc.want)):
				t.Errorf("GET /readyz = %s %q, want 503 naming %q", resp.Status, body, tc.want)
			}
			if tc.want == "" {
				return
			}
			// Liveness is another matter: the node is alive.
			if resp, err := http.Get(srv.URL() + "/healthz"); err != nil || resp.StatusCode != 200 {
				t.Errorf("GET /healthz while unready: %v %v, want 200", resp, err)
			}
		})
	}
}

// serverParts are the paths a readiness case breaks.
type serverParts struct {
	dataDir, ffmpeg string
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", b, err)
	}
	return nil
}
