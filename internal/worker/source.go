package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/mvgen/mvgen/internal/task"
	"github.com/mvgen/mvgen/webhook"
)

// source is a task's resolved inputs on local disk.
type source struct {
	audio, cover, title string
}

// resolve finds the task's track and makes its audio and cover local files
// under dir. Uploaded files are read in place when the blob store is a local
// directory; URLs are downloaded through the guarded client.
func (w *Render) resolve(ctx context.Context, t *task.Task, dir string) (*source, error) {
	tr, err := w.Store.Track(ctx, t.KeyID, t.MusicTaskID, t.AudioID)
	if errors.Is(err, task.ErrNotFound) {
		return nil, &failure{status: task.StatusCreateFailed, code: webhook.CodeBadSource,
			msg: fmt.Sprintf("Source track %s/%s no longer exists", t.MusicTaskID, t.AudioID), err: err}
	} else if err != nil {
		return nil, err
	}
	src := &source{title: tr.Title}
	switch {
	case tr.AudioKey != "":
		src.audio, err = w.local(ctx, tr.AudioKey, filepath.Join(dir, "audio"))
	default:
		tr, src.audio, err = w.downloadAudio(ctx, tr, filepath.Join(dir, "audio")) // upstream.go
		if err != nil && !isFailure(err) && ctx.Err() == nil {
			err = &failure{status: task.StatusCreateFailed, code: webhook.CodeDownloadFailed,
				msg: "Source audio file download failed", err: err}
		}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case tr.CoverKey != "":
		src.cover, err = w.local(ctx, tr.CoverKey, filepath.Join(dir, "cover"))
	case tr.ImageURL != "":
		// A cover that cannot be fetched is not worth failing the video for:
		// render without it (a cover that arrives but is unusable is a 400).
		src.cover, err = w.download(ctx, tr.ImageURL, filepath.Join(dir, "cover"))
		if err != nil && !isFailure(err) && ctx.Err() == nil {
			w.Logger.Warn("cover download failed; rendering without it", "task", t.ID, "err", err)
			src.cover, err = "", nil
		}
	}
	if err != nil {
		return nil, err
	}
	return src, nil
}

func isFailure(err error) bool {
	var f *failure
	return errors.As(err, &f)
}

// localFiles is a blob store whose objects are files on this machine
// (blob.Dir): renders read them in place.
type localFiles interface {
	Path(key string) (string, error)
}

// local returns a local path for a stored object, copying it to dst only when
// the blob store does not keep it on this machine.
func (w *Render) local(ctx context.Context, key, dst string) (string, error) {
	if d, ok := w.Blobs.(localFiles); ok {
		return d.Path(key)
	}
	o, err := w.Blobs.Open(ctx, key)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", key, err)
	}
	defer o.Close()
	f, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, o); err != nil {
		f.Close()
		return "", err
	}
	return dst, f.Close()
}

// download fetches url to dst, retrying transport errors and 5xx answers a
// few times. Over MaxSourceBytes is a *failure (400).
func (w *Render) download(ctx context.Context, url, dst string) (string, error) {
	var err error
	for attempt, wait := 0, 500*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*2 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
		}
		var retry bool
		retry, err = w.downloadOnce(ctx, url, dst)
		if err == nil || !retry {
			break
		}
	}
	if err != nil {
		return "", err
	}
	return dst, nil
}

func (w *Render) downloadOnce(ctx context.Context, url, dst string) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("User-Agent", "mvgen")
	resp, err := w.Fetch.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode >= 500, &statusError{url: url, status: resp.Status, code: resp.StatusCode}
	}
	if resp.ContentLength > w.MaxSourceBytes {
		return false, tooLarge(w.MaxSourceBytes)
	}
	f, err := os.Create(dst)
	if err != nil {
		return false, err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, w.MaxSourceBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return true, fmt.Errorf("GET %s: %w", url, err)
	}
	if n > w.MaxSourceBytes {
		return false, tooLarge(w.MaxSourceBytes)
	}
	return false, nil
}

func tooLarge(limit int64) error {
	return &failure{status: task.StatusRenderFailed, code: webhook.CodeBadSource,
		msg: fmt.Sprintf("Source file is larger than the %d MB limit", limit>>20)}
}
