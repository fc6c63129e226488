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
	"strings"
	"time"

	"github.com/mvgen/mvgen/client"
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
	sidecar  string // the path of the file that keeps ifRange across restarts
	ifRange  string // validator of the answer the partial file's bytes came from, sent with Range requests
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

	dl := &download{taskID: rec.TaskID, link: link, part: filepath.Join(r.dir, partName(rec.TaskID)),
		sidecar: filepath.Join(r.dir, validatorName(rec.TaskID))}
	dl.ifRange = readValidator(dl.sidecar)
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
	dl.forget()
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

// attempt downloads the video into the partial file through the SDK's
// Download, continuing from the file's size when it is not empty (a Range
// request with If-Range, the validator of the answer those bytes came
// from, kept beside the file so that it outlives a restart) and starting
// again from the beginning when the server cannot continue it. Bytes
// without a validator are not continued: nothing could show that the video
// the server has now is the one they came from.
func (r *Receiver) attempt(ctx context.Context, dl *download) error {
	f, err := os.OpenFile(dl.part, os.O_WRONLY|os.O_CREATE, fileMode)
	if err != nil {
		return &permanentError{fmt.Errorf("opening the partial file: %w", err)}
	}
	defer f.Close()
	// A partial file left by an older receiver may be 0644; it becomes the
	// video, so it is made private like every file written here.
	if err := f.Chmod(fileMode); err != nil {
		return &permanentError{fmt.Errorf("making the partial file private: %w", err)}
	}
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("opening the partial file: %w", err)
	}
	switch {
	case have == 0:
		dl.forget() // a validator of no bytes
	case dl.ifRange == "":
		r.log.Info(fmt.Sprintf("the partial download of %s (%s) has no validator to resume it with If-Range; downloading it from the start",
			dl.taskID, humanBytes(have)))
		if err := truncate(f); err != nil {
			return fmt.Errorf("emptying the partial file: %w", err)
		}
		have = 0
	}
	// The SDK resumes a transfer that breaks after progress; every other
	// failure comes back here, where Retries counts the attempts.
	sdk := client.Client{MaxRetries: -1}
	_, err = sdk.Download(ctx, dl.link.String(), f, &client.DownloadOptions{
		Offset:     have,
		IfRange:    dl.ifRange,
		Restart:    func() error { return dl.restart(f) },
		MaxBytes:   r.maxBytes,
		Header:     func(h http.Header) { r.answered(dl, h) },
		HTTPClient: r.client,
	})
	if err != nil {
		return failure(dl, f, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing the partial file: %w", err)
	}
	return nil
}

// restart empties the partial file for a download from the beginning and
// forgets its validator.
func (dl *download) restart(f *os.File) error {
	dl.forget()
	return truncate(f)
}

// forget drops the validator, in memory and beside the partial file. A
// sidecar that cannot be removed is harmless: a stale validator only makes
// the server send the whole video instead of the rest.
func (dl *download) forget() {
	dl.ifRange = ""
	os.Remove(dl.sidecar)
}

// keep makes v the partial file's validator, on disk before the answer's
// bytes reach the file, so that a resume after a restart sends If-Range.
func (dl *download) keep(v string) error {
	dl.ifRange = v
	if err := writeFileAtomic(dl.sidecar, []byte(v+"\n")); err != nil {
		os.Remove(dl.sidecar)
		return err
	}
	return nil
}

// truncate empties the partial file for a download from the beginning.
func truncate(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// failure words a failed attempt's error for the log and the record, keeps
// the link out of it, and marks what another attempt cannot fix as
// permanent: an answer such as 403, 404 or 410, a refused redirect, a
// video over MaxBytes (whose partial file is emptied).
func failure(dl *download, f *os.File, err error) error {
	if big, ok := errors.AsType[*client.TooLargeError](err); ok {
		dl.restart(f)
		if big.Size < 0 {
			return &permanentError{fmt.Errorf("the video is over the %s limit", humanBytes(big.Limit))}
		}
		return &permanentError{fmt.Errorf("the video is %s, over the %s limit", humanBytes(big.Size), humanBytes(big.Limit))}
	}
	if answer, ok := errors.AsType[*client.Error](err); ok {
		c := answer.StatusCode
		err := fmt.Errorf("the server answered %d %s", c, http.StatusText(c))
		if c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests {
			return &permanentError{err}
		}
		return err
	}
	if errors.Is(err, errRedirect) {
		return &permanentError{hideURL(err)}
	}
	return hideURL(err)
}

// answered keeps an answer's validator for the If-Range of a later
// attempt, also after a restart, and warns, once per download, when the
// video does not come as video/* or application/octet-stream. It runs
// before the answer's body is written.
func (r *Receiver) answered(dl *download, h http.Header) {
	if v := client.Validator(h); v != "" && v != dl.ifRange {
		if err := dl.keep(v); err != nil {
			r.log.Warn(fmt.Sprintf("cannot keep the validator of the download of %s (%v); if the receiver restarts, it downloads the video from the start",
				dl.taskID, err))
		}
	}
	if dl.typeSeen {
		return
	}
	dl.typeSeen = true
	ct := h.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if strings.HasPrefix(mt, "video/") || mt == "application/octet-stream" {
		return
	}
	r.log.Warn(fmt.Sprintf("the video of task %s comes as %s, not video/*; saving it anyway", dl.taskID, quoteShort(ct)))
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
