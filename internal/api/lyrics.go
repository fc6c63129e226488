package api

import (
	"errors"
	"io"
	"mime/multipart"
	"strings"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// A track's lyrics (contract §6.2): LRC text given with POST
// /api/v1/tracks, as the multipart part "lyrics" (a file or a field) or the
// JSON field "lyrics". The text is checked with the renderer's own parser
// before the track is stored: malformed LRC is 422 naming the line and
// column, text over lyrics.MaxBytes is 413. Text without time tags is kept
// but not shown.

// readLyricsPart reads the multipart part "lyrics" into tr.
func readLyricsPart(part *multipart.Part, tr *mvgen.Track) error {
	b, err := io.ReadAll(io.LimitReader(part, lyrics.MaxBytes+1))
	if err != nil {
		return uploadError("lyrics", err)
	}
	if len(b) > lyrics.MaxBytes {
		return mvgen.Errorf(mvgen.ETooLarge, "lyrics is over the %s limit", sizeText(lyrics.MaxBytes))
	}
	return setLyrics(tr, string(b))
}

// setLyrics checks LRC text and keeps it with tr; blank text is no lyrics.
func setLyrics(tr *mvgen.Track, text string) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if len(text) > lyrics.MaxBytes {
		return mvgen.Errorf(mvgen.ETooLarge, "lyrics is over the %s limit", sizeText(lyrics.MaxBytes))
	}
	l, err := lyrics.ParseLRC([]byte(text))
	if err != nil {
		var e *lyrics.Error
		if errors.As(err, &e) {
			return mvgen.Errorf(mvgen.EInvalid, "%s (lyrics are LRC: [mm:ss.xx] line tags, optional <mm:ss.xx> word tags)", e.Error())
		}
		return err
	}
	// The parse that checked them tells whether they are synced, once:
	// lists show the stored flag and never parse lyrics again.
	tr.Lyrics, tr.LyricsFormat, tr.SyncedLyrics = text, lyrics.FormatLRC, l.Timed()
	return nil
}
