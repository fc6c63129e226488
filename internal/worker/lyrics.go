package worker

import (
	"context"
	"log/slog"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// lyricsFor returns the lyrics the video of t shows (contract §6.2): its
// track's, unless t leaves them out ("lyrics": false), nil when there are
// none with timed lines. Lyrics never fail a video: a track that cannot be
// read again or lyrics that no longer parse are logged, and the video is
// made without them.
func (w *Render) lyricsFor(ctx context.Context, t *mvgen.Task, log *slog.Logger) *lyrics.Lyrics {
	if t.NoLyrics {
		return nil
	}
	tr, err := w.Store.Track(ctx, t.KeyID, t.MusicTaskID, t.AudioID)
	if err != nil || tr.Lyrics == "" {
		return nil // a missing track fails the render in resolve
	}
	l, err := lyrics.Parse(tr.LyricsFormat, tr.Lyrics)
	if err != nil {
		log.Warn("the track's lyrics do not parse; rendering without them", "err", err)
		return nil
	}
	if !l.Timed() {
		return nil
	}
	return &l
}
