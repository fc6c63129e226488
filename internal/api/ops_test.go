package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/logctx"
)

// TestInternalErrorRequestID: a 500 quotes the request's id, the one its
// context carries, and the error's log line names it. (internal/server's
// middleware puts X-Request-Id there and echoes it; its tests check that.)
func TestInternalErrorRequestID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("k")
	var logs bytes.Buffer
	f.h.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.h.ServeHTTP(w, r.WithContext(logctx.WithRequestID(r.Context(), r.Header.Get("X-Request-Id"))))
	}))
	defer srv.Close()
	f.db.Close() // every store call now fails: an internal error

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/mp4/record-info?taskId=x", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("X-Request-Id", "req-500")
	resp, err := apitest.Client(t, srv.URL).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e envelope
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 500 || e.Msg != "internal error (request id req-500)" {
		t.Errorf("got %d %q; want 500 quoting req-500", resp.StatusCode, e.Msg)
	}
	if line := logs.String(); !strings.Contains(line, `msg="internal error"`) || !strings.Contains(line, "request=req-500") {
		t.Errorf("log %q, want the internal error with request=req-500", line)
	}
}

// TestOpsRoutes: /readyz without a Ready handler and while draining;
// /metrics, never served on the API's listener.
func TestOpsRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	get := func(path string) (int, string) {
		resp, err := apitest.Client(t, f.srv.URL).Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("GET /readyz = %d %q, want 200 ready", code, body)
	}
	if code, body := get("/metrics"); code != 404 || !strings.Contains(body, "metrics are served on --metrics-addr") {
		t.Errorf("GET /metrics without metrics = %d %q, want the envelope's 404", code, body)
	}
	f.h.Drain()
	if code, body := get("/readyz"); code != 503 || body != "draining\n" {
		t.Errorf("GET /readyz while draining = %d %q, want 503 draining", code, body)
	}
}
