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

// servedVideo serves content with http.ServeContent (Last-Modified
// modTime) unless answer takes the request first; it records each
// request's Range and If-Range.
type servedVideo struct {
	mu       sync.Mutex
	content  []byte
	modTime  time.Time
	answer   func(n int, w http.ResponseWriter, r *http.Request) bool
	requests []string // "Range|If-Range" of each request
}

func (v *servedVideo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	v.requests = append(v.requests, r.Header.Get("Range")+"|"+r.Header.Get("If-Range"))
	n := len(v.requests)
	v.mu.Unlock()
	if v.answer != nil && v.answer(n, w, r) {
		return
	}
	http.ServeContent(w, r, "video.mp4", v.modTime, bytes.NewReader(v.content))
}

func (v *servedVideo) seen() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.requests...)
}

var (
	modTime    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	modTimeStr = "Fri, 02 Jan 2026 03:04:05 GMT"
)

// TestDownloadOffset: a partial file from an earlier call is continued
// from Offset, with IfRange, and Header sees the answer's validator.
func TestDownloadOffset(t *testing.T) {
	t.Parallel()
	content := testVideoBytes(100_000)
	v := &servedVideo{content: content, modTime: modTime}
	s := httptest.NewServer(v)
	defer s.Close()
	out := bytes.NewBuffer(append([]byte(nil), content[:40_000]...))
	var validators []string
	var lastWritten, lastTotal int64
	n, err := client.New(s.URL, "").Download(context.Background(), s.URL+"/v.mp4", out, &client.DownloadOptions{
		Offset:   40_000,
		IfRange:  modTimeStr,
		Header:   func(h http.Header) { validators = append(validators, client.Validator(h)) },
		Progress: func(w, tot int64) { lastWritten, lastTotal = w, tot },
		Restart:  func() error { t.Error("Restart called for an unchanged video"); return nil },
	})
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	if n != int64(len(content)) || !bytes.Equal(out.Bytes(), content) {
		t.Errorf("got n = %d and %d bytes (equal: %v), want the %d-byte video", n, out.Len(), bytes.Equal(out.Bytes(), content), len(content))
	}
	if got, want := v.seen(), []string{"bytes=40000-|" + modTimeStr}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests (Range|If-Range) = %q, want %q", got, want)
	}
	if fmt.Sprint(validators) != fmt.Sprint([]string{modTimeStr}) {
		t.Errorf("Header saw validators %q, want [%q]", validators, modTimeStr)
	}
	if lastWritten != int64(len(content)) || lastTotal != int64(len(content)) {
		t.Errorf("last progress %d of %d, want %d of %d", lastWritten, lastTotal, len(content), len(content))
	}
}

// TestDownloadRestart: when the bytes w holds cannot be continued, Download
// starts again from byte 0 through Restart, or fails without it and leaves
// w as it was.
func TestDownloadRestart(t *testing.T) {
	t.Parallel()
	content := testVideoBytes(100_000)
	stale := []byte("an older video")
	tests := []struct {
		name     string
		offset   int64
		ifRange  string
		answer   func(n int, w http.ResponseWriter, r *http.Request) bool
		wantErr  string   // without Restart
		wantReqs []string // with Restart
	}{
		{"If-Range finds the video changed", int64(len(stale)), "Thu, 01 Jan 2026 00:00:00 GMT", nil,
			"the video changed", []string{"bytes=14-|Thu, 01 Jan 2026 00:00:00 GMT"}},
		{"range ignored, no validator", int64(len(stale)), "", func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			w.Write(content) // 200, whole, whatever the Range
			return true
		}, "nothing to show it unchanged", []string{"bytes=14-|"}},
		{"offset past the end (416)", int64(len(content)) + 10, modTimeStr, nil,
			"cannot resume at byte 100010 (416", []string{"bytes=100010-|" + modTimeStr, "|"}},
		{"resumed at another byte", int64(len(stale)), modTimeStr, func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n > 1 {
				return false
			}
			w.Header().Set("Content-Range", "bytes 0-99999/100000")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(content)
			return true
		}, `server resumed at "bytes 0-99999/100000", want byte 14`, []string{"bytes=14-|" + modTimeStr, "|"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, restart := range []bool{false, true} {
				v := &servedVideo{content: content, modTime: modTime, answer: tc.answer}
				s := httptest.NewServer(v)
				out := bytes.NewBuffer(append([]byte(nil), stale...))
				restarts := 0
				opts := &client.DownloadOptions{Offset: tc.offset, IfRange: tc.ifRange}
				if restart {
					opts.Restart = func() error { restarts++; out.Reset(); return nil }
				}
				n, err := client.New(s.URL, "").Download(context.Background(), s.URL+"/v.mp4", out, opts)
				s.Close()
				if !restart {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !bytes.Equal(out.Bytes(), stale) || n != tc.offset {
						t.Errorf("without Restart: got n = %d, %q in w, error %v; want n = %d, w untouched, an error with %q",
							n, out.Bytes()[:min(out.Len(), 20)], err, tc.offset, tc.wantErr)
					}
					if got := v.seen(); len(got) != 1 {
						t.Errorf("without Restart: %d requests, want 1", len(got))
					}
					continue
				}
				if err != nil || n != int64(len(content)) || !bytes.Equal(out.Bytes(), content) || restarts != 1 {
					t.Errorf("with Restart: got n = %d, error %v, %d restarts, w equal: %v; want the whole video after 1 restart",
						n, err, restarts, bytes.Equal(out.Bytes(), content))
				}
				if got := v.seen(); fmt.Sprint(got) != fmt.Sprint(tc.wantReqs) {
					t.Errorf("with Restart: requests (Range|If-Range) = %q, want %q", got, tc.wantReqs)
				}
			}
		})
	}
}

// TestDownloadMaxBytes: a video over MaxBytes fails with a *TooLargeError
// before its body when its size is stated, else once the body passes the
// limit; w never gets more than MaxBytes.
func TestDownloadMaxBytes(t *testing.T) {
	t.Parallel()
	content := testVideoBytes(5_000)
	chunked := func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Write(content[:100])
		w.(http.Flusher).Flush() // no Content-Length
		w.Write(content[100:])
		return true
	}
	tests := []struct {
		name      string
		answer    func(n int, w http.ResponseWriter, r *http.Request) bool
		offset    int64
		max       int64
		wantSize  int64 // TooLargeError.Size; 0: no error
		wantBytes int   // bytes in w at the end
	}{
		{"stated size over", nil, 0, 4_999, 5_000, 0},
		{"stated size over, resuming", nil, 1_000, 4_999, 5_000, 1_000},
		{"no stated size", chunked, 0, 1_000, -1, 1_000},
		{"at the limit", nil, 0, 5_000, 0, 5_000},
		{"at the limit, no stated size", chunked, 0, 5_000, 0, 5_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := &servedVideo{content: content, answer: tc.answer}
			s := httptest.NewServer(v)
			defer s.Close()
			out := bytes.NewBuffer(append([]byte(nil), content[:tc.offset]...))
			_, err := client.New(s.URL, "").Download(context.Background(), s.URL+"/v.mp4", out,
				&client.DownloadOptions{Offset: tc.offset, MaxBytes: tc.max})
			var big *client.TooLargeError
			switch {
			case tc.wantSize == 0 && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.wantSize != 0 && (!errors.As(err, &big) || big.Size != tc.wantSize || big.Limit != tc.max):
				t.Errorf("got %v, want a *TooLargeError{Size: %d, Limit: %d}", err, tc.wantSize, tc.max)
			case tc.wantSize != 0 && !strings.Contains(err.Error(), fmt.Sprintf("over the %d-byte limit", tc.max)):
				t.Errorf("error %q does not name the limit", err)
			}
			if out.Len() != tc.wantBytes || !bytes.Equal(out.Bytes(), content[:out.Len()]) {
				t.Errorf("w holds %d bytes, want the video's first %d", out.Len(), tc.wantBytes)
			}
			if got := len(v.seen()); got != 1 {
				t.Errorf("%d requests, want 1 (a size error is not retried)", got)
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDownloadHTTPClient: DownloadOptions.HTTPClient sends the download's
// requests, resumes included, instead of Client.HTTPClient, and its
// CheckRedirect decides which redirects are followed.
func TestDownloadHTTPClient(t *testing.T) {
	t.Parallel()
	content := testVideoBytes(1 << 20)
	f := &flakyFiles{content: content, modTime: modTime, cuts: 1, cutAt: 300_000}
	s := httptest.NewServer(f)
	defer s.Close()
	c := &client.Client{HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("Client.HTTPClient sent %s", r.URL.Path)
		return nil, errors.New("not this client")
	})}}

	var mu sync.Mutex
	var paths []string
	errRefused := errors.New("redirect refused")
	own := func(allowRedirect bool) *http.Client {
		return &http.Client{
			Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				paths = append(paths, r.URL.Path)
				mu.Unlock()
				return http.DefaultTransport.RoundTrip(r)
			}),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				if !allowRedirect {
					return errRefused
				}
				return nil
			},
		}
	}

	var out bytes.Buffer
	n, err := c.Download(context.Background(), s.URL+"/link", &out, &client.DownloadOptions{HTTPClient: own(true)})
	if err != nil || n != int64(len(content)) || !bytes.Equal(out.Bytes(), content) {
		t.Errorf("got %d bytes, error %v; want the %d-byte video", n, err, len(content))
	}
	if want := []string{"/link", "/object", "/link", "/object"}; fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("own client sent %q, want %q (a resume asks the link again)", paths, want)
	}

	paths = nil
	c.MaxRetries = -1
	_, err = c.Download(context.Background(), s.URL+"/link", &bytes.Buffer{}, &client.DownloadOptions{HTTPClient: own(false)})
	if !errors.Is(err, errRefused) || fmt.Sprint(paths) != "[/link]" {
		t.Errorf("refusing redirects: got %v after requests %q, want the CheckRedirect error after [/link]", err, paths)
	}
}

// TestValidator: a strong ETag, else Last-Modified, else nothing.
func TestValidator(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		etag, lastModified, want string
	}{
		{`"v1"`, modTimeStr, `"v1"`},
		{`W/"v1"`, modTimeStr, modTimeStr},
		{"", modTimeStr, modTimeStr},
		{`W/"v1"`, "", ""},
	} {
		h := http.Header{}
		if tc.etag != "" {
			h.Set("ETag", tc.etag)
		}
		if tc.lastModified != "" {
			h.Set("Last-Modified", tc.lastModified)
		}
		if got := client.Validator(h); got != tc.want {
			t.Errorf("Validator(ETag %q, Last-Modified %q) = %q, want %q", tc.etag, tc.lastModified, got, tc.want)
		}
	}
}
