package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// busyServer answers the first `busy` requests with status/code and a
// Retry-After header, then success; it records every request body.
type busyServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	times  []time.Time
}

func newBusyServer(t *testing.T, busy, status, code int, retryAfter string) *busyServer {
	s := &busyServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.times = append(s.times, time.Now())
		n := len(s.bodies)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n <= busy {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"code":%d,"msg":"busy, try later","data":null}`, code)
			return
		}
		fmt.Fprint(w, `{"code":200,"msg":"success","data":{"taskId":"t1","audioId":"a1","musicIndex":0,"successFlag":"SUCCESS"}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *busyServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// TestRetries: 429, 455 and 503 answers are repeated after Retry-After
// when the request may be repeated, and returned otherwise.
func TestRetries(t *testing.T) {
	t.Parallel()
	record := func(c *client.Client) error { _, err := c.Record(context.Background(), "t1"); return err }
	generate := func(key string) func(c *client.Client) error {
		return func(c *client.Client) error {
			_, err := c.Generate(context.Background(), client.GenerateRequest{TaskID: "m", AudioID: "a", IdempotencyKey: key})
			return err
		}
	}
	upload := func(r func() io.Reader) func(c *client.Client) error {
		return func(c *client.Client) error {
			_, err := c.UploadTrack(context.Background(), client.Upload{Audio: r(), Title: "t"})
			return err
		}
	}
	pipe := func() io.Reader {
		pr, pw := io.Pipe()
		go func() { pw.Write([]byte("audio bytes")); pw.Close() }()
		return pr
	}
	for _, tc := range []struct {
		name           string
		busy, status   int
		code           int
		retryAfter     string
		maxWait        time.Duration
		call           func(*client.Client) error
		wantRequests   int
		wantErr        error
		wantMinElapsed time.Duration
		wantSameBodies bool
	}{
		{name: "record-info after 429 with Retry-After", busy: 1, status: 429, code: 429, retryAfter: "1",
			call: record, wantRequests: 2, wantMinElapsed: time.Second},
		{name: "record-info after 455 (HTTP 503)", busy: 2, status: 503, code: 455,
			call: record, wantRequests: 3},
		{name: "hosted 429 in the body of an HTTP 200", busy: 1, status: 200, code: 429, retryAfter: "0",
			call: record, wantRequests: 2},
		{name: "retries are bounded", busy: 10, status: 429, code: 429, retryAfter: "0",
			call: record, wantRequests: 4, wantErr: client.ErrRateLimited},
		{name: "Retry-After over MaxRetryWait is returned", busy: 1, status: 429, code: 429, retryAfter: "120", maxWait: time.Minute,
			call: record, wantRequests: 1, wantErr: client.ErrRateLimited},
		{name: "generate without Idempotency-Key is not repeated", busy: 1, status: 429, code: 429, retryAfter: "0",
			call: generate(""), wantRequests: 1, wantErr: client.ErrRateLimited},
		{name: "generate with Idempotency-Key is repeated", busy: 1, status: 429, code: 429, retryAfter: "0",
			call: generate("k"), wantRequests: 2, wantSameBodies: true},
		{name: "upload of a seekable reader is repeated whole", busy: 1, status: 503, code: 455,
			call: upload(func() io.Reader { return bytes.NewReader([]byte("audio bytes")) }), wantRequests: 2, wantSameBodies: true},
		{name: "upload of a pipe is not repeated", busy: 1, status: 503, code: 455,
			call: upload(pipe), wantRequests: 1, wantErr: client.ErrUnavailable},
		{name: "404 is not repeated", busy: 1, status: 404, code: 404,
			call: record, wantRequests: 1, wantErr: client.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newBusyServer(t, tc.busy, tc.status, tc.code, tc.retryAfter)
			c := &client.Client{BaseURL: s.URL, APIKey: "k", MaxRetryWait: tc.maxWait}
			start := time.Now()
			err := tc.call(c)
			elapsed := time.Since(start)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			if got := s.requests(); got != tc.wantRequests {
				t.Errorf("got %d requests, want %d", got, tc.wantRequests)
			}
			if elapsed < tc.wantMinElapsed {
				t.Errorf("returned after %v, want at least %v (Retry-After)", elapsed, tc.wantMinElapsed)
			}
			if tc.wantSameBodies && (len(s.bodies) < 2 || s.bodies[0] != s.bodies[1] || s.bodies[0] == "") {
				t.Errorf("bodies of the attempts differ or are empty: %q", s.bodies)
			}
			var apiErr *client.Error
			if tc.retryAfter == "120" && (!errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Minute) {
				t.Errorf("error = %#v, want RetryAfter 2m", err)
			}
		})
	}
}

// TestRetryStopsWithContext: a wait for Retry-After ends with the context.
func TestRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	s := newBusyServer(t, 5, 429, 429, "30")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client.New(s.URL, "k").Record(ctx, "t1")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("got %v after %v, want the context's deadline at once", err, time.Since(start))
	}
}

// TestNotEnvelope: an answer that is not the API's JSON (a proxy's error
// page) is an *Error with the HTTP status as its code.
func TestNotEnvelope(t *testing.T) {
	t.Parallel()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>502 Bad Gateway</html>\n")
	}))
	defer s.Close()
	_, err := client.New(s.URL, "k").Record(context.Background(), "t1")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 502 || apiErr.StatusCode != 502 || !strings.Contains(apiErr.Msg, "Bad Gateway") {
		t.Errorf("got %v, want a 502 *client.Error with the page's first line", err)
	}
}
