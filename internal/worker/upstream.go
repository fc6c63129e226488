package worker

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/webhook"
)

// Refresher looks an upstream track up again and stores the fresh URLs it
// answers (internal/upstream's Lookup; contract §6.1).
type Refresher interface {
	Refresh(ctx context.Context, tr *mvgen.Track) (*mvgen.Track, error)
}

// statusError is a source download answered with a non-2xx status.
type statusError struct {
	status string
	code   int
}

func (e *statusError) Error() string { return "GET: " + e.status }

// expired reports whether a download failed the way an expired link of a
// hosted service does: 403 or 404.
func expired(err error) bool {
	var s *statusError
	return errors.As(err, &s) && (s.code == http.StatusForbidden || s.code == http.StatusNotFound)
}

// fetchAudio downloads the track's audio URL into the blob store under key.
// When the track came from the upstream and its link has expired (403/404),
// the track is looked up again once and its fresh audio URL downloaded.
func (w *Fetch) fetchAudio(ctx context.Context, tr *mvgen.Track, key string, log *slog.Logger) error {
	err := w.fetch(ctx, tr.AudioURL, key)
	if err == nil || !tr.Upstream || w.Upstream == nil || !expired(err) {
		return err
	}
	log.Info("upstream audio link expired; looking the track up again",
		"music_task", tr.MusicTaskID, "audio", tr.ID, "err", err)
	fresh, rerr := w.Upstream.Refresh(ctx, tr)
	if rerr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeDownloadFailed,
			msg: "Source audio link expired and looking it up upstream again failed: " + mvgen.ErrorMessage(rerr),
			err: errors.Join(err, rerr)}
	}
	return w.fetch(ctx, fresh.AudioURL, key)
}
