package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mvgen/mvgen/internal/task"
	"github.com/mvgen/mvgen/webhook"
)

// Refresher looks an upstream track up again and stores the fresh URLs it
// answers (internal/upstream's Lookup; contract §6.1).
type Refresher interface {
	Refresh(ctx context.Context, tr *task.Track) (*task.Track, error)
}

// statusError is a source download answered with a non-2xx status.
type statusError struct {
	url    string
	status string
	code   int
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

// expired reports whether a download failed the way an expired link of a
// hosted service does: 403 or 404.
func expired(err error) bool {
	var s *statusError
	return errors.As(err, &s) && (s.code == http.StatusForbidden || s.code == http.StatusNotFound)
}

// downloadAudio downloads the track's audio URL to dst. When the track came
// from the upstream and its link has expired (403/404), the track is looked
// up again once, and its fresh audio URL downloaded; the returned track
// carries the URLs used.
func (w *Render) downloadAudio(ctx context.Context, tr *task.Track, dst string) (*task.Track, string, error) {
	path, err := w.download(ctx, tr.AudioURL, dst)
	if err == nil || !tr.Upstream || w.Upstream == nil || !expired(err) {
		return tr, path, err
	}
	w.Logger.Info("upstream audio link expired; looking the track up again",
		"music_task", tr.MusicTaskID, "audio", tr.ID, "err", err)
	fresh, rerr := w.Upstream.Refresh(ctx, tr)
	if rerr != nil {
		if ctx.Err() != nil {
			return tr, "", ctx.Err()
		}
		return tr, "", &failure{status: task.StatusCreateFailed, code: webhook.CodeDownloadFailed,
			msg: "Source audio link expired and looking it up upstream again failed: " + task.ErrorMessage(rerr),
			err: errors.Join(err, rerr)}
	}
	path, err = w.download(ctx, fresh.AudioURL, dst)
	return fresh, path, err
}
