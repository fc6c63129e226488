package receiver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxBackoff bounds the doubling retry delay.
const maxBackoff = time.Hour

// permanentError is a download failure that another attempt cannot fix,
// such as an expired link (403, 404, 410).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// download is the state of one video's download across attempts.
type download struct {
	taskID   string
	link     *url.URL
	part     string // the partial file's path
	ifRange  string // validator of the full response, sent with Range requests
	typeSeen bool   // whether the Content-Type was checked
}

// fetch downloads a success callback's video with retries, saves it and
// completes its record. It runs in the background.
func (r *Receiver) fetch(key string, rec Record, link *url.URL) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-r.stop:
			cancel()
		case <-ctx.Done():
		}
	}()

	dl := &download{taskID: rec.TaskID, link: link, part: filepath.Join(r.dir, partName(rec.TaskID))}
	for attempt := 1; ; attempt++ {
		err := r.attempt(ctx, dl)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			r.stopped(key, rec.TaskID)
			return
		}
		var perm *permanentError
		if errors.As(err, &perm) || attempt >= r.retries {
			how := fmt.Sprintf("after %d attempts", attempt)
			if attempt < r.retries {
				how = "for good"
			}
			r.log.Error(fmt.Sprintf("download of %s failed %s: %v — the link stays valid until %s",
				rec.TaskID, how, err, rec.LinkExpiresAt.Format(humanTime)))
			rec.Error = err.Error()
			if err := writeRecord(r.dir, &rec); err != nil {
				r.log.Error(fmt.Sprintf("cannot update %s: %v", recordName(rec.TaskID), err))
			}
			r.release(key, rec.TaskID, false)
			return
		}
		wait := backoff(r.delay, attempt)
		r.log.Warn(fmt.Sprintf("download of %s failed (attempt %d/%d): %v; retrying in %s",
			rec.TaskID, attempt, r.retries, err, wait))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			r.stopped(key, rec.TaskID)
			return
		}
	}

	size, sum, err := commit(dl.part, filepath.Join(r.dir, videoName(rec.TaskID)))
	if err != nil {
		r.log.Error(fmt.Sprintf("cannot save %s: %v", videoName(rec.TaskID), err))
		r.release(key, rec.TaskID, false)
		return
	}
	rec.SavedAt = time.Now().UTC().Truncate(time.Second)
	rec.Bytes = size
	rec.SHA256 = sum
	if err := writeRecord(r.dir, &rec); err != nil {
		r.log.Error(fmt.Sprintf("saved %s but cannot update %s: %v", videoName(rec.TaskID), recordName(rec.TaskID), err))
	}
	r.release(key, rec.TaskID, true)
	r.log.Info(fmt.Sprintf("saved %s (%s) — link expires on %s",
		videoName(rec.TaskID), humanBytes(size), rec.LinkExpiresAt.Format(humanTime)))
}

// stopped ends a download interrupted by Close.
func (r *Receiver) stopped(key, taskID string) {
	r.log.Info(fmt.Sprintf("download of %s stopped; it resumes when the callback is delivered again", taskID))
	r.release(key, taskID, false)
}

// backoff returns the wait after failed attempt n (1-based): first doubled
// n-1 times, at most maxBackoff.
func backoff(first time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// attempt makes one request for the video and appends what it gets to the
// partial file, resuming with a Range request when the file is not empty.
func (r *Receiver) attempt(ctx context.Context, dl *download) error {
	f, err := os.OpenFile(dl.part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return &permanentError{fmt.Errorf("opening the partial file: %w", err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("opening the partial file: %w", err)
	}
	have := fi.Size()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, dl.link.String(), nil)
	if err != nil {
		return &permanentError{err}
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
		if dl.ifRange != "" {
			req.Header.Set("If-Range", dl.ifRange)
		}
	}
	resp, err := r.client.Do(req)
	if errors.Is(err, errRedirect) {
		return &permanentError{hideURL(err)}
	} else if err != nil {
		return hideURL(err)
	}
	defer resp.Body.Close()

	var start, total int64
	switch resp.StatusCode {
	case http.StatusOK:
		start, total = 0, resp.ContentLength
		dl.ifRange = validator(resp.Header)
	case http.StatusPartialContent:
		var ok bool
		start, total, ok = contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			f.Truncate(0)
			return fmt.Errorf("the server resumed at the wrong place (Content-Range %q); starting again from the beginning",
				resp.Header.Get("Content-Range"))
		}
	case http.StatusRequestedRangeNotSatisfiable:
		f.Truncate(0)
		return errors.New("the server cannot resume the partial download; starting again from the beginning")
	default:
		err := fmt.Errorf("the server answered %s", resp.Status)
		if c := resp.StatusCode; c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests {
			return &permanentError{err}
		}
		return err
	}
	if total > r.maxBytes {
		return &permanentError{fmt.Errorf("the video is %s, over the %s limit", humanBytes(total), humanBytes(r.maxBytes))}
	}
	r.checkType(dl, resp.Header.Get("Content-Type"))

	if start == 0 {
		if err := f.Truncate(0); err != nil {
			return &permanentError{fmt.Errorf("writing the partial file: %w", err)}
		}
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return &permanentError{fmt.Errorf("writing the partial file: %w", err)}
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, r.maxBytes-start+1))
	if start+n > r.maxBytes {
		f.Truncate(0)
		return &permanentError{fmt.Errorf("the video is over the %s limit", humanBytes(r.maxBytes))}
	}
	if err != nil {
		return fmt.Errorf("transfer broke off after %s: %w", humanBytes(start+n), hideURL(err))
	}
	if total >= 0 && start+n != total {
		return fmt.Errorf("transfer ended after %d bytes, want %d", start+n, total)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing the partial file: %w", err)
	}
	return nil
}

// checkType warns, once per download, when the video does not come as
// video/* or application/octet-stream.
func (r *Receiver) checkType(dl *download, ct string) {
	if dl.typeSeen {
		return
	}
	dl.typeSeen = true
	mt, _, _ := mime.ParseMediaType(ct)
	if strings.HasPrefix(mt, "video/") || mt == "application/octet-stream" {
		return
	}
	r.log.Warn(fmt.Sprintf("the video of task %s comes as %s, not video/*; saving it anyway", dl.taskID, quoteShort(ct)))
}

// validator returns the value for If-Range from a full response: a strong
// ETag, else Last-Modified, else "".
func validator(h http.Header) string {
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		return etag
	}
	return h.Get("Last-Modified")
}

// contentRange parses "bytes first-last/total" (total may be "*", returned
// as -1).
func contentRange(s string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
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

// commit hashes the complete partial file and renames it to final.
func commit(part, final string) (size int64, sum string, err error) {
	f, err := os.Open(part)
	if err != nil {
		return 0, "", err
	}
	h := sha256.New()
	size, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return 0, "", fmt.Errorf("hashing: %w", err)
	}
	if err := os.Rename(part, final); err != nil {
		return 0, "", err
	}
	syncDir(filepath.Dir(final))
	return size, hex.EncodeToString(h.Sum(nil)), nil
}

// hideURL drops the URL from a client error: a video link is a credential
// until it expires, so it stays out of logs.
func hideURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
