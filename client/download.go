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
	// Progress, if set, is called as bytes arrive with the bytes of the
	// video w holds (Offset included) and the total (-1 until the server
	// has said).
	Progress func(written, total int64)

	// Offset is how many of the video's first bytes w already holds, from
	// an earlier Download that did not finish (a partial file): Download
	// asks for the rest with a Range request. Default 0, the whole video.
	Offset int64

	// IfRange is the validator of the answer those Offset bytes came from
	// (see Validator). Sent as If-Range, it makes the server send the
	// whole video instead of the rest if the video has changed since.
	// Empty sends none; then a whole video sent instead of the rest cannot
	// be shown to be the same one, and is treated as changed.
	IfRange string

	// Restart, if set, discards what w holds (truncates the file) when an
	// answer shows that those bytes cannot be continued: the whole video
	// came instead of the rest and it changed (IfRange) or cannot be shown
	// unchanged, the range cannot be served (416), or the rest starts at
	// another byte. Download then writes the video from its first byte.
	// Nil fails such a download instead, and w keeps what it holds.
	Restart func() error

	// MaxBytes, if positive, is the largest video Download accepts: a
	// larger one fails with a *TooLargeError, before its body when the
	// server states its size, else once the body runs past MaxBytes; w
	// never receives more. Default 0, no limit.
	MaxBytes int64

	// Header, if set, is called with the headers of each answer whose body
	// is about to be written: the first one and every resume's. Keep
	// Validator(h) from it to resume in a later call, or check the
	// Content-Type.
	Header func(h http.Header)

	// HTTPClient, if set, sends this download's requests instead of
	// Client.HTTPClient, and follows redirects as it allows. A video link
	// can come from outside (a callback), so it may need a client that
	// refuses internal addresses or foreign redirects where the API, at an
	// address the caller chose, does not.
	HTTPClient *http.Client
}

// Download copies the video at videoURL (Record.VideoURL, a signed link)
// to w and returns the number of the video's bytes w holds: on success,
// the video's size. A connection that breaks mid-body is resumed with a
// Range request from the byte it stopped at (If-Range keeps a changed file
// from being spliced); Client.MaxRetries bounds the resumes in a row that
// make no progress. A 307 redirect to object storage is followed, and
// every resume asks the signed link again, so a redirect that has expired
// meanwhile is renewed. The API key is never sent: the link carries its
// own signature.
//
// opts can continue a partial file from an earlier call (Offset, IfRange,
// Restart), cap the video's size (MaxBytes) and send the requests through
// another *http.Client.
func (c *Client) Download(ctx context.Context, videoURL string, w io.Writer, opts *DownloadOptions) (int64, error) {
	d := &download{c: c, url: videoURL, w: w, total: -1}
	if opts != nil {
		d.opts = *opts
	}
	if d.opts.Offset < 0 {
		return 0, fmt.Errorf("download: Offset is %d, want 0 or more", d.opts.Offset)
	}
	d.written, d.validator = d.opts.Offset, d.opts.IfRange
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
			if stalls == 1 { // retries are off
				return d.written, fmt.Errorf("download: %w", retry.err)
			}
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
	opts      DownloadOptions
	url       string
	w         io.Writer
	written   int64 // bytes of the video w holds
	total     int64
	validator string // ETag or Last-Modified of the first answer
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
	hc := d.opts.HTTPClient
	if hc == nil {
		hc = d.c.httpClient()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &resumable{err}
	}
	defer resp.Body.Close()
	skip, err := d.accept(resp)
	if err != nil {
		return err
	}
	if limit := d.opts.MaxBytes; limit > 0 && d.total > limit {
		return &TooLargeError{Size: d.total, Limit: limit}
	}
	if d.opts.Header != nil {
		d.opts.Header(resp.Header)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, skip); err != nil {
		return &resumable{fmt.Errorf("skipping to byte %d: %w", skip, err)}
	}
	if d.opts.Progress != nil {
		d.opts.Progress(d.written, d.total)
	}
	_, err = io.Copy(errWriter{d.w}, &progressReader{r: resp.Body, d: d})
	if err != nil {
		var we *writeError
		var big *TooLargeError
		switch {
		case errors.As(err, &we):
			return we.err
		case errors.As(err, &big):
			return big
		}
		return &resumable{fmt.Errorf("after %d bytes: %w", d.written, err)}
	}
	if d.total >= 0 && d.written != d.total {
		return &resumable{fmt.Errorf("connection closed after %d of %d bytes", d.written, d.total)}
	}
	return nil
}

// accept checks an answer against the bytes w holds and returns how many
// bytes of its body w holds already.
func (d *download) accept(resp *http.Response) (skip int64, err error) {
	switch {
	case resp.StatusCode == http.StatusOK && d.written > 0:
		// The server sent the whole video: it ignores ranges, or If-Range
		// found the video changed.
		if v := Validator(resp.Header); d.validator == "" || d.validator != v {
			why := fmt.Errorf("the video changed while it was downloading; %d bytes already written", d.written)
			if d.validator == "" {
				why = fmt.Errorf("the server sent the whole video again, with nothing to show it unchanged; %d bytes already written", d.written)
			}
			if err := d.discard(why); err != nil {
				return 0, err
			}
			return d.accept(resp) // now from byte 0
		}
		d.total = resp.ContentLength
		return d.written, nil
	case resp.StatusCode == http.StatusOK:
		d.validator = Validator(resp.Header)
		d.total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent && d.written > 0:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != d.written {
			return 0, d.discardAndRetry(fmt.Errorf("server resumed at %q, want byte %d", resp.Header.Get("Content-Range"), d.written))
		}
		if total >= 0 {
			d.total = total
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && d.written > 0:
		return 0, d.discardAndRetry(fmt.Errorf("server cannot resume at byte %d (%s)", d.written, resp.Status))
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
		return 0, &resumable{downloadError(resp)}
	default:
		return 0, downloadError(resp)
	}
	return 0, nil
}

// discard drops the bytes w holds through Restart, after an answer showed
// why they cannot be continued; without Restart it returns why.
func (d *download) discard(why error) error {
	if d.opts.Restart == nil {
		return why
	}
	if err := d.opts.Restart(); err != nil {
		return fmt.Errorf("%v; discarding them failed: %w", why, err)
	}
	d.written, d.total, d.validator = 0, -1, ""
	return nil
}

// discardAndRetry discards the bytes w holds and asks for the whole video
// again, as a resume without progress.
func (d *download) discardAndRetry(why error) error {
	if err := d.discard(why); err != nil {
		return err
	}
	return &resumable{why}
}

// progressReader counts body bytes into the download, reports them and
// stops at MaxBytes. Bytes are counted when read, and io.Copy writes every
// byte it reads or fails with a writeError, so d.written is the bytes
// written.
type progressReader struct {
	r io.Reader
	d *download
}

func (p *progressReader) Read(b []byte) (int, error) {
	if limit := p.d.opts.MaxBytes; limit > 0 {
		left := limit - p.d.written
		if left <= 0 {
			// At the limit: one more byte puts the video over it.
			var one [1]byte
			n, err := p.r.Read(one[:])
			if n > 0 {
				err = &TooLargeError{Size: -1, Limit: limit}
			}
			return 0, err
		}
		b = b[:min(int64(len(b)), left)]
	}
	n, err := p.r.Read(b)
	p.d.written += int64(n)
	if n > 0 && p.d.opts.Progress != nil {
		p.d.opts.Progress(p.d.written, p.d.total)
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

// Validator returns the value to keep for DownloadOptions.IfRange from the
// headers of a download's answer: its ETag when strong, else its
// Last-Modified, else "" (nothing to check a resume against).
func Validator(h http.Header) string {
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return et
	}
	return h.Get("Last-Modified")
}

// parseContentRange reads "bytes FIRST-LAST/TOTAL" (TOTAL may be "*": -1).
// It accepts only 0 <= FIRST < TOTAL.
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
	if err != nil || start < 0 {
		return 0, 0, false
	}
	if size == "*" {
		return start, -1, true
	}
	total, err = strconv.ParseInt(size, 10, 64)
	if err != nil || total <= start {
		return 0, 0, false
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
