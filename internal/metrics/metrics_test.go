package metrics_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mvgen/mvgen/internal/metrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
)

// exposition is what m's handler serves.
func exposition(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// TestCallbackOutcomes: every way a callback attempt ends is counted under
// its outcome, through the real guarded client over loopback.
func TestCallbackOutcomes(t *testing.T) {
	t.Parallel()
	slow := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			<-slow
		case "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
		default:
			code := map[string]int{"/ok": 204, "/gone": 410, "/down": 503}[r.URL.Path]
			w.WriteHeader(code)
		}
	}))
	defer srv.Close()
	defer close(slow)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()

	m := metrics.New()
	allowed := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	client := allowed.Client(300 * time.Millisecond)
	client.Transport = m.Callbacks(client.Transport)
	strict := (&netguard.Guard{}).Client(time.Second) // loopback refused
	strict.Transport = m.Callbacks(strict.Transport)

	for _, tc := range []struct {
		client *http.Client
		url    string
	}{
		{client, srv.URL + "/ok"}, {client, srv.URL + "/ok"}, {client, srv.URL + "/moved"},
		{client, srv.URL + "/gone"}, {client, srv.URL + "/down"}, {client, srv.URL + "/slow"},
		{client, closedURL}, {strict, srv.URL + "/ok"},
	} {
		resp, err := tc.client.Post(tc.url, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
	}
	want := `
# HELP mvgen_callback_attempts_total Callback attempts by outcome: 2xx, 3xx, 4xx, 5xx, timeout, refused (address rules), error.
# TYPE mvgen_callback_attempts_total counter
mvgen_callback_attempts_total{outcome="2xx"} 2
mvgen_callback_attempts_total{outcome="3xx"} 1
mvgen_callback_attempts_total{outcome="4xx"} 1
mvgen_callback_attempts_total{outcome="5xx"} 1
mvgen_callback_attempts_total{outcome="error"} 1
mvgen_callback_attempts_total{outcome="refused"} 1
mvgen_callback_attempts_total{outcome="timeout"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "mvgen_callback_attempts_total"); err != nil {
		t.Error(err)
	}
}

// TestFetch: bytes of bodies read are counted; failures by reason.
func TestFetch(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 12345)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.mp3":
			io.WriteString(w, body)
		case "/busy":
			w.WriteHeader(502)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	m := metrics.New()
	c := (&netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).Client(time.Second)
	c.Transport = m.Fetch(c.Transport)
	strict := (&netguard.Guard{}).Client(time.Second)
	strict.Transport = m.Fetch(strict.Transport)
	for _, u := range []struct {
		c   *http.Client
		url string
	}{{c, "/a.mp3"}, {c, "/a.mp3"}, {c, "/missing"}, {c, "/busy"}, {strict, "/a.mp3"}} {
		resp, err := u.c.Get(srv.URL + u.url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	want := `
# HELP mvgen_source_fetch_failures_total Source downloads (each try) that failed, by reason: refused, timeout, error, 4xx, 5xx.
# TYPE mvgen_source_fetch_failures_total counter
mvgen_source_fetch_failures_total{reason="4xx"} 1
mvgen_source_fetch_failures_total{reason="5xx"} 1
mvgen_source_fetch_failures_total{reason="refused"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "mvgen_source_fetch_failures_total"); err != nil {
		t.Error(err)
	}
	// The bodies of the 404 ("404 page not found\n", 19 bytes) and the 502
	// (empty) are read too.
	if !strings.Contains(exposition(t, m), "mvgen_source_fetch_bytes_total 24709\n") {
		t.Errorf("want mvgen_source_fetch_bytes_total 24709 (2 × 12345 + 19) in\n%s", grep(exposition(t, m), "fetch_bytes"))
	}
}

// TestRequestServed: requests are counted by route pattern and status,
// and a request no pattern matched is labelled "unmatched" (internal/server
// checks that the patterns come from the ServeMux).
func TestRequestServed(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.RequestServed("GET /tasks/{id}", 200, time.Millisecond)
	m.RequestServed("GET /tasks/{id}", 200, 2*time.Millisecond)
	m.RequestServed("", 404, time.Millisecond)
	m.RequestServed("POST /tasks", 422, time.Millisecond)
	want := `
# HELP mvgen_http_requests_total HTTP requests answered, by the route pattern that served them and status code.
# TYPE mvgen_http_requests_total counter
mvgen_http_requests_total{code="200",route="GET /tasks/{id}"} 2
mvgen_http_requests_total{code="404",route="unmatched"} 1
mvgen_http_requests_total{code="422",route="POST /tasks"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "mvgen_http_requests_total"); err != nil {
		t.Error(err)
	}
	if out := exposition(t, m); !strings.Contains(out, `mvgen_http_request_duration_seconds_count{route="GET /tasks/{id}"} 2`+"\n") {
		t.Errorf("want 2 durations of GET /tasks/{id} in\n%s", grep(out, "duration"))
	}
	var none *metrics.Metrics
	none.RequestServed("GET /", 200, time.Millisecond) // records nothing, does not panic
}

// TestHooks: the counters other packages call move by one each call.
func TestHooks(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.TaskCreated()
	m.TaskFinished(mvgen.StatusSuccess)
	m.TaskFinished(mvgen.StatusSuccess)
	m.UpstreamLookup("found", 20*time.Millisecond)
	m.UpstreamLookup("error", time.Second)
	m.RateLimited("requests")
	m.Rendered(10*time.Second, 150*time.Second)
	m.JobStarted("render", 2*time.Second)
	var none *metrics.Metrics // a nil Metrics records nothing and does not panic
	none.TaskCreated()
	none.RateLimited("requests")

	out := exposition(t, m)
	for _, line := range []string{
		"mvgen_tasks_created_total 1",
		`mvgen_tasks_finished_total{status="SUCCESS"} 2`,
		`mvgen_upstream_lookups_total{outcome="found"} 1`,
		`mvgen_upstream_lookups_total{outcome="error"} 1`,
		"mvgen_upstream_lookup_duration_seconds_count 2",
		`mvgen_rate_limited_requests_total{limit="requests"} 1`,
		"mvgen_render_duration_seconds_sum 10",
		"mvgen_render_speed_ratio_sum 15",
		`mvgen_render_speed_ratio_bucket{le="13"} 0`,
		`mvgen_render_speed_ratio_bucket{le="16"} 1`,
		`mvgen_queue_wait_seconds_bucket{kind="render",le="1"} 0`,
		`mvgen_queue_wait_seconds_bucket{kind="render",le="2.5"} 1`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("want %q in the exposition", line)
		}
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestWatchStreams: the gauge reads the open streams at each scrape.
func TestWatchStreams(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	open := 3
	m.WatchStreams(func() int { return open })
	for _, want := range []int{3, 0} {
		open = want
		if out := exposition(t, m); !strings.Contains(out, "mvgen_event_streams "+strconv.Itoa(want)+"\n") {
			t.Errorf("want mvgen_event_streams %d in\n%s", want, grep(out, "mvgen_event_streams"))
		}
	}
}
