package worker

import (
	"log/slog"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// lyricsFor returns the lyrics the video of t shows (contract §6.2): its
// track tr's, unless t leaves them out ("lyrics": false), nil when there
// are none with timed lines. Lyrics never fail a video: lyrics that no
// longer parse are logged, and the video is made without them.
func lyricsFor(t *mvgen.Task, tr *mvgen.Track, log *slog.Logger) *lyrics.Lyrics {
	if t.NoLyrics || tr.Lyrics == "" {
		return nil
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
