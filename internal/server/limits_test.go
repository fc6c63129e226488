package server_test

import (
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mvgen/mvgen/internal/server"
)

// TestDefaultLimitsWired: a server with the default limits answers a key's
// 21st request at once with 429 and Retry-After (10/s with bursts of 20),
// calls the metric hook, and opens callback networks to callbacks only.
func TestDefaultLimitsWired(t *testing.T) {
	t.Parallel()
	var limited atomic.Int32
	cfg := serverConfig(t.TempDir())
	cfg.APIOnly = true
	cfg.RateLimit = server.DefaultRateLimit
	cfg.SourceAllowNets = []netip.Prefix{} // loopback is open to callbacks only
	cfg.OnRateLimited = func(string) { limited.Add(1) }
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())

	if e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "http://127.0.0.1:9/a.mp3"}); e.Code != 422 || !strings.Contains(e.Msg, "audioUrl") {
		t.Errorf("loopback audioUrl with --callback-allow-net 127.0.0.0/8 only: got %d %q, want 422", e.Code, e.Msg)
	}
	statuses := map[int]int{}
	var retryAfter string
	for range 25 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/mp4/record-info?taskId=x", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
		if resp.StatusCode == 429 {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	// The track request above took one token of the burst of 20.
	if statuses[404] < 19 || statuses[404] > 21 || statuses[429] < 4 || retryAfter != "1" {
		t.Errorf("25 requests at once: got %v, Retry-After %q; want ~19 answered, the rest 429 with Retry-After 1", statuses, retryAfter)
	}
	if int(limited.Load()) != statuses[429] {
		t.Errorf("OnRateLimited called %d times, want %d", limited.Load(), statuses[429])
	}
}
