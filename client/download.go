package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DownloadOptions tunes Download; nil uses the defaults.
type DownloadOptions struct {
	// Progress, if set, is called as bytes arrive with the bytes written
	// so far and the total (-1 until the server has said).
	Progress func(written, total int64)
}

// Download copies the video at videoURL (Record.VideoURL, a signed link)
// to w and returns the bytes written. A connection that breaks mid-body is
// resumed with a Range request from the byte it stopped at (If-Range keeps
// a changed file from being spliced); Client.MaxRetries bounds the resumes
// in a row that make no progress. A 307 redirect to object storage is
// followed, and every resume asks the signed link again, so a redirect
// that has expired meanwhile is renewed. The API key is never sent: the
// link carries its own signature.
func (c *Client) Download(ctx context.Context, videoURL string, w io.Writer, opts *DownloadOptions) (int64, error) {
	d := &download{c: c, url: videoURL, w: w, total: -1}
	if opts != nil {
		d.progress = opts.Progress
	}
	stalls := 0
	for {
		before := d.written
		err := d.attempt(ctx)
		if err == nil {
			return d.written, nil
		}
		var retry *resumable
		if !errors.As(err, &retry) || ctx.Err() != nil {
			return d.written, fmt.Errorf("download: %w", err)
		}
		if d.written > before {
			stalls = 0
		} else if stalls++; stalls > c.maxRetries() {
			return d.written, fmt.Errorf("download: giving up after %d attempts without progress: %w", stalls, retry.err)
		}
		if err := sleep(ctx, backoff(stalls)); err != nil {
			return d.written, fmt.Errorf("download: %w", err)
		}
	}
}

// download is one Download's state across resumes.
type download struct {
	c         *Client
	url       string
	w         io.Writer
	written   int64
	total     int64
	validator string // ETag or Last-Modified of the first answer
	progress  func(written, total int64)
}

// resumable wraps an error after which the download can go on.
type resumable struct{ err error }

func (r *resumable) Error() string { return r.err.Error() }
func (r *resumable) Unwrap() error { return r.err }

func (d *download) attempt(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return fmt.Errorf("video URL: %w", err)
	}
	req.Header.Set("User-Agent", d.c.userAgent())
	if d.written > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(d.written, 10)+"-")
		if d.validator != "" {
			req.Header.Set("If-Range", d.validator)
		}
	}
	resp, err := d.c.httpClient().Do(req)
	if err != nil {
		return &resumable{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK && d.written > 0:
		// The server sent the whole file: the range was ignored, or
		// If-Range found the file changed.
		if d.validator == "" || d.validator != validator(resp) {
			return fmt.Errorf("the video changed while it was downloading; %d bytes already written", d.written)
		}
		if _, err := io.CopyN(io.Discard, resp.Body, d.written); err != nil {
			return &resumable{fmt.Errorf("skipping to byte %d: %w", d.written, err)}
		}
	case resp.StatusCode == http.StatusOK:
		d.validator = validator(resp)
		d.total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent && d.written > 0:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != d.written {
			return fmt.Errorf("server resumed at %q, want byte %d", resp.Header.Get("Content-Range"), d.written)
		}
		if total >= 0 {
			d.total = total
		}
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
		return &resumable{downloadError(resp)}
	default:
		return downloadError(resp)
	}
	if d.progress != nil {
		d.progress(d.written, d.total)
	}
	_, err = io.Copy(errWriter{d.w}, &progressReader{r: resp.Body, d: d})
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return we.err
		}
		return &resumable{fmt.Errorf("after %d bytes: %w", d.written, err)}
	}
	if d.total >= 0 && d.written != d.total {
		return &resumable{fmt.Errorf("connection closed after %d of %d bytes", d.written, d.total)}
	}
	return nil
}

// progressReader counts body bytes into the download and reports them.
// Bytes are counted when read, and io.Copy writes every byte it reads or
// fails with a writeError, so d.written is the bytes written.
type progressReader struct {
	r io.Reader
	d *download
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.d.written += int64(n)
	if n > 0 && p.d.progress != nil {
		p.d.progress(p.d.written, p.d.total)
	}
	return n, err
}

// writeError marks a failure of the caller's writer: not resumable.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// errWriter marks its writer's errors as writeErrors.
type errWriter struct{ w io.Writer }

func (e errWriter) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	if err != nil {
		err = &writeError{fmt.Errorf("writing the video: %w", err)}
	}
	return n, err
}

func validator(resp *http.Response) string {
	if et := resp.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return et
	}
	return resp.Header.Get("Last-Modified")
}

// parseContentRange reads "bytes START-END/TOTAL" (TOTAL may be "*": -1).
func parseContentRange(v string) (start, total int64, ok bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, false
	}
	rng, size, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, false
	}
	first, _, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	total = -1
	if size != "*" {
		if total, err = strconv.ParseInt(size, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, total, true
}

// downloadError describes a refused download from its plain-text answer.
func downloadError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := strings.TrimSpace(firstLine(b))
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &Error{StatusCode: resp.StatusCode, Code: resp.StatusCode, Msg: msg,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
}
