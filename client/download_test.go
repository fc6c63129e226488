package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// flakyFiles serves a file with http.ServeContent (as mvgen does), but the
// first `cuts` answers break the connection after `cutAt` bytes of body.
// /link answers 307 to /object, as mvgen does in front of S3.
type flakyFiles struct {
	mu      sync.Mutex
	content []byte
	modTime time.Time
	cuts    int
	cutAt   int
	ranges  []string // Range header of each /object request
	ifRange []string
}

func (f *flakyFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/link" {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "a signed link takes no Authorization", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/object?presigned=1", http.StatusTemporaryRedirect)
		return
	}
	f.mu.Lock()
	f.ranges = append(f.ranges, r.Header.Get("Range"))
	f.ifRange = append(f.ifRange, r.Header.Get("If-Range"))
	cut := f.cuts > 0
	if cut {
		f.cuts--
	}
	content, modTime := f.content, f.modTime
	f.mu.Unlock()
	if !cut {
		http.ServeContent(w, r, "video.mp4", modTime, bytes.NewReader(content))
		return
	}
	// Promise the whole (remaining) file, send part of it, hang up.
	start := 0
	if rng := r.Header.Get("Range"); rng != "" {
		fmt.Sscanf(rng, "bytes=%d-", &start)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(content)-1, len(content)))
		w.Header().Set("Content-Length", strconv.Itoa(len(content)-start))
		w.Header().Set("Last-Modified", modTime.UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.Header().Set("Last-Modified", modTime.UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
	}
	w.Write(content[start:min(start+f.cutAt, len(content))])
	w.(http.Flusher).Flush()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func testVideoBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// TestDownloadResume: broken connections are resumed with Range requests
// through the 307 redirect until the file is whole.
func TestDownloadResume(t *testing.T) {
	t.Parallel()
	content := testVideoBytes(1 << 20)
	for _, tc := range []struct {
		name       string
		cuts       int
		cutAt      int
		wantRanges []string
	}{
		{"no break", 0, 0, []string{""}},
		{"one break", 1, 300_000, []string{"", "bytes=300000-"}},
		{"two breaks", 2, 300_000, []string{"", "bytes=300000-", "bytes=600000-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &flakyFiles{content: content, modTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), cuts: tc.cuts, cutAt: tc.cutAt}
			s := httptest.NewServer(f)
			defer s.Close()
			var out bytes.Buffer
			var lastWritten, lastTotal int64
			n, err := client.New(s.URL, "secret-key").Download(context.Background(), s.URL+"/link", &out,
				&client.DownloadOptions{Progress: func(w, tot int64) { lastWritten, lastTotal = w, tot }})
			if err != nil {
				t.Fatalf("Download: %v", err)
			}
			if n != int64(len(content)) || !bytes.Equal(out.Bytes(), content) {
				t.Errorf("got %d bytes (equal: %v), want the %d-byte file", n, bytes.Equal(out.Bytes(), content), len(content))
			}
			if fmt.Sprint(f.ranges) != fmt.Sprint(tc.wantRanges) {
				t.Errorf("Range headers = %q, want %q", f.ranges, tc.wantRanges)
			}
			for i, ir := range f.ifRange[1:] {
				if ir != "Fri, 02 Jan 2026 03:04:05 GMT" {
					t.Errorf("resume %d: If-Range = %q, want the first answer's Last-Modified", i+1, ir)
				}
			}
			if lastWritten != int64(len(content)) || lastTotal != int64(len(content)) {
				t.Errorf("last progress %d of %d, want %d of %d", lastWritten, lastTotal, len(content), len(content))
			}
		})
	}
}

// TestDownloadChanged: when the file changed between attempts, If-Range
// makes the server send it whole, and Download refuses to splice.
func TestDownloadChanged(t *testing.T) {
	t.Parallel()
	f := &flakyFiles{content: testVideoBytes(100_000), modTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), cuts: 1, cutAt: 40_000}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.ServeHTTP(w, r)
		f.mu.Lock()
		f.modTime = f.modTime.Add(time.Hour) // a new file from now on
		f.mu.Unlock()
	}))
	defer s.Close()
	var out bytes.Buffer
	_, err := client.New(s.URL, "").Download(context.Background(), s.URL+"/object", &out, nil)
	if err == nil || !strings.Contains(err.Error(), "changed") || out.Len() != 40_000 {
		t.Errorf("got %v with %d bytes written, want \"the video changed\" after 40000", err, out.Len())
	}
}

// TestDownloadGivesUp: a server that breaks every connection without
// sending anything is given up on after MaxRetries attempts.
func TestDownloadGivesUp(t *testing.T) {
	t.Parallel()
	f := &flakyFiles{content: testVideoBytes(1000), cuts: 100, cutAt: 0}
	s := httptest.NewServer(f)
	defer s.Close()
	c := &client.Client{MaxRetries: 2}
	_, err := c.Download(context.Background(), s.URL+"/object", &bytes.Buffer{}, nil)
	if err == nil || len(f.ranges) != 3 {
		t.Errorf("got %v after %d requests, want an error after 3", err, len(f.ranges))
	}
}

// TestDownloadRefused: an expired or altered link is an *Error with the
// server's message, not retried.
func TestDownloadRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		msg      string
		sentinel error
	}{
		{http.StatusGone, "this link has expired; ask the API for a fresh one (record-info)", nil},
		{http.StatusForbidden, "invalid link signature", nil},
		{http.StatusNotFound, "no such video", client.ErrNotFound},
	} {
		requests := 0
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests++
			http.Error(w, tc.msg, tc.status)
		}))
		_, err := client.New(s.URL, "").Download(context.Background(), s.URL+"/v1/videos/x.mp4", &bytes.Buffer{}, nil)
		s.Close()
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Msg != tc.msg || requests != 1 {
			t.Errorf("HTTP %d: got %v after %d requests, want an *Error with %q", tc.status, err, requests, tc.msg)
		}
		if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
			t.Errorf("HTTP %d: %v does not match %v", tc.status, err, tc.sentinel)
		}
	}
}
