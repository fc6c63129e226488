package server

import (
	"bytes"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/metrics"
)

// instrumentedMux is a ServeMux behind the middleware, logging to buf
// (debug included) and counting into m.
func instrumentedMux(buf *bytes.Buffer, m *metrics.Metrics) (*http.ServeMux, http.Handler) {
	mux := http.NewServeMux()
	s := &Server{cfg: Config{Logger: slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))},
		ops: ops{metrics: m}}
	return mux, s.instrument(mux)
}

// TestInstrumentRequestID: the request id is the client's when usable, a
// new one otherwise, echoed in the answer, and the access line names it
// and the task a handler set.
func TestInstrumentRequestID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	mux, h := instrumentedMux(&buf, nil)
	var seen string
	mux.HandleFunc("POST /tasks", func(w http.ResponseWriter, r *http.Request) {
		seen = logctx.RequestID(r.Context())
		logctx.SetTask(r.Context(), "t42")
		w.WriteHeader(201)
	})
	for _, tc := range []struct {
		sent    string
		keep    bool
		wantLen int
	}{
		{"client-id.1:2_3", true, 15},
		{"", false, 16},
		{"has space", false, 16},
		{strings.Repeat("a", 128), true, 128},
		{strings.Repeat("a", 129), false, 16},
		{`quote"inject`, false, 16},
	} {
		buf.Reset()
		r := httptest.NewRequest(http.MethodPost, "/tasks", nil)
		if tc.sent != "" {
			r.Header.Set("X-Request-Id", tc.sent)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		got := rec.Header().Get("X-Request-Id")
		if (got == tc.sent) != tc.keep || len(got) != tc.wantLen || seen != got {
			t.Errorf("sent %q: answered %q, handler saw %q; want kept=%v, %d bytes, the same in both", tc.sent, got, seen, tc.keep, tc.wantLen)
		}
		want := `level=INFO msg="http request" method=POST route="POST /tasks" path=/tasks status=201 elapsed=`
		line := buf.String()
		if !strings.Contains(line, want) || !strings.HasSuffix(line, " request="+got+" task=t42\n") {
			t.Errorf("access line %q, want %q … request=%s task=t42", line, want, got)
		}
	}
}

// TestInstrumentReports: one status reaches both the access line and the
// metrics; the metrics are labelled by the ServeMux pattern, not the
// path, so ids in paths do not make new series; probes are logged at
// debug level.
func TestInstrumentReports(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	m := metrics.New()
	mux, h := instrumentedMux(&buf, m)
	mux.HandleFunc("GET /tasks/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("POST /tasks", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(422) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	for _, tc := range []struct {
		method, path string
		wantLine     string
	}{
		{"GET", "/tasks/1", `level=INFO msg="http request" method=GET route="GET /tasks/{id}" path=/tasks/1 status=200 `},
		{"GET", "/tasks/2", `level=INFO msg="http request" method=GET route="GET /tasks/{id}" path=/tasks/2 status=200 `},
		{"GET", "/nothing", `level=INFO msg="http request" method=GET route="" path=/nothing status=404 `},
		{"POST", "/tasks", `level=INFO msg="http request" method=POST route="POST /tasks" path=/tasks status=422 `},
		{"GET", "/healthz", `level=DEBUG msg="http request" method=GET route="GET /healthz" path=/healthz status=200 `},
	} {
		buf.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.path, nil))
		if line := buf.String(); !strings.Contains(line, tc.wantLine) {
			t.Errorf("%s %s: access line %q, want %q", tc.method, tc.path, line, tc.wantLine)
		}
	}
	want := `
# HELP mvgen_http_requests_total HTTP requests answered, by the route pattern that served them and status code.
# TYPE mvgen_http_requests_total counter
mvgen_http_requests_total{code="200",route="GET /healthz"} 1
mvgen_http_requests_total{code="200",route="GET /tasks/{id}"} 2
mvgen_http_requests_total{code="404",route="unmatched"} 1
mvgen_http_requests_total{code="422",route="POST /tasks"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "mvgen_http_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.Registry(), "mvgen_http_request_duration_seconds"); n != 4 {
		t.Errorf("mvgen_http_request_duration_seconds has %d series, want 4 (one a route)", n)
	}
}

// TestInstrumentFlushes: a handler behind the middleware flushes through
// http.ResponseController, as the event stream does.
func TestInstrumentFlushes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	mux, h := instrumentedMux(&buf, metrics.New())
	var flushErr error
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("event: task\n\n"))
		flushErr = http.NewResponseController(w).Flush()
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/events", nil))
	if flushErr != nil || !rec.Flushed {
		t.Errorf("Flush: %v, flushed %v; want the answer flushed", flushErr, rec.Flushed)
	}
}

// TestRecorder: the first status written is the one reported; a body
// without a status is a 200.
func TestRecorder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   int
	}{
		{"body only", func(w http.ResponseWriter) { w.Write([]byte("hi")) }, 200},
		{"status", func(w http.ResponseWriter) { w.WriteHeader(404) }, 404},
		{"the first status", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503},
		{"status after the body", func(w http.ResponseWriter) { w.Write([]byte("x")); w.WriteHeader(500) }, 200},
	} {
		rec := &recorder{ResponseWriter: httptest.NewRecorder(), status: http.StatusOK}
		tc.answer(rec)
		if rec.status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, rec.status, tc.want)
		}
	}
}

// TestInstrumentRecovers: a handler that panics before answering gets the
// client the envelope's 500 naming the request id, whose log line holds
// the panic's value and stack; one that panics mid-answer has its
// connection cut (the client must not take a short answer for a whole
// one); http.ErrAbortHandler cuts the connection unlogged. The server
// answers the next request either way.
func TestInstrumentRecovers(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	m := metrics.New()
	mux := http.NewServeMux()
	s := &Server{cfg: Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, ops: ops{metrics: m}}
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream") // set, never sent
		var tasks map[string]int
		tasks["t1"]++ // a nil map: a real runtime panic
	})
	mux.HandleFunc("GET /midway", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("half an answer"))
		http.NewResponseController(w).Flush()
		panic("midway")
	})
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv := httptest.NewUnstartedServer(s.instrument(mux))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http's own line for the cut connections
	srv.Start()
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/boom", nil)
	req.Header.Set("X-Request-Id", "req-panic-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /boom: %v, want a 500 answer", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"code":500,"msg":"internal error (request id req-panic-1)","data":null}` + "\n"
	if resp.StatusCode != 500 || string(body) != want || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /boom: %s %q (%s), want 500 %q as application/json", resp.Status, body, resp.Header.Get("Content-Type"), want)
	}
	for _, path := range []string{"/midway", "/abort"} {
		resp, err := http.Get(srv.URL + path)
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil {
			t.Errorf("GET %s: a whole answer (%q), want the connection cut", path, body)
		}
	}
	if resp, err := http.Get(srv.URL + "/ok"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /ok after the panics: %v %v, want 200", resp, err)
	}

	out := logs.String()
	for _, want := range []string{
		`level=ERROR msg="panic serving a request" method=GET path=/boom panic="assignment to entry in nil map" stack=`,
		"instrument_test.go", // the stack reaches the handler
		"request=req-panic-1",
		`msg="panic serving a request" method=GET path=/midway panic=midway`,
		`msg="http request" method=GET route="GET /boom" path=/boom status=500`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "path=/abort panic") {
		t.Errorf("http.ErrAbortHandler was logged as a panic:\n%s", out)
	}
	wantMetrics := `
# HELP mvgen_http_requests_total HTTP requests answered, by the route pattern that served them and status code.
# TYPE mvgen_http_requests_total counter
mvgen_http_requests_total{code="200",route="GET /midway"} 1
mvgen_http_requests_total{code="200",route="GET /ok"} 1
mvgen_http_requests_total{code="500",route="GET /boom"} 1
mvgen_http_requests_total{code="500",route="GET /abort"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(wantMetrics), "mvgen_http_requests_total"); err != nil {
		t.Error(err)
	}
}

// syncBuffer is a bytes.Buffer safe for a server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
