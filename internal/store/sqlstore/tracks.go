package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// trackColumns are the columns a new track is written with.
const trackColumns = `key_id, music_task_id, id, music_index, title, tags, audio_url,
	image_url, audio_key, cover_key, upstream, created_at, lyrics, lyrics_format, synced_lyrics`

// trackSelects are what reads of a track select, in scanTrack's order: its
// columns, whether its lyrics are synced and whether its sources were
// purged. full reads one track with its lyrics (to render it); list reads
// tracks for lists and purges with an empty string for the lyrics, so that
// a page of tracks whose lyrics are 256 KiB each reads none of them.
type trackSelects struct{ full, list string }

func newTrackSelects(d *Dialect) trackSelects {
	// A track a binary older than the column wrote has no flag (NULL):
	// the dialect's test of its lyrics stands in (see SyncedLyrics).
	common := `key_id, music_task_id, id, music_index, title, tags, audio_url, image_url,
	audio_key, cover_key, upstream, created_at, lyrics_format, coalesce(synced_lyrics, ` + d.SyncedLyrics + `),
	sources_purged_at, `
	return trackSelects{full: common + `lyrics`, list: common + `''`}
}

func scanTrack(row Row) (*mvgen.Track, error) {
	var t mvgen.Track
	var purged time.Time
	if err := row.Scan(&t.KeyID, &t.MusicTaskID, &t.ID, &t.MusicIndex, &t.Title, &t.Tags,
		&t.AudioURL, &t.ImageURL, &t.AudioKey, &t.CoverKey, &t.Upstream, at(&t.CreatedAt),
		&t.LyricsFormat, &t.SyncedLyrics, at(&purged), &t.Lyrics); err != nil {
		return nil, err
	}
	t.SourcesPurged = !purged.IsZero()
	return &t, nil
}

// CreateTrack implements store.Store. A duplicate (key, music task, id) is an
// error wrapping the unique violation.
func (s *Store) CreateTrack(ctx context.Context, t *mvgen.Track) error {
	_, err := s.db.Write().Exec(ctx, `INSERT INTO mvgen_track (`+trackColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.KeyID, t.MusicTaskID, t.ID, t.MusicIndex, t.Title, t.Tags, t.AudioURL,
		t.ImageURL, t.AudioKey, t.CoverKey, t.Upstream, s.d.Time(t.CreatedAt), t.Lyrics, t.LyricsFormat,
		t.SyncedLyrics && t.LyricsFormat != "")
	if err != nil {
		return fmt.Errorf("creating track: %w", err)
	}
	return nil
}

// Track implements store.Store.
func (s *Store) Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error) {
	t, err := scanTrack(s.db.Read().QueryRow(ctx, `SELECT `+s.tracks.full+` FROM mvgen_track
		WHERE key_id = ? AND music_task_id = ? AND id = ?`, keyID, musicTaskID, audioID))
	return t, notFound(err, mvgen.ErrNotFound)
}

// Tracks implements store.Store: a list, without lyrics.
func (s *Store) Tracks(ctx context.Context, keyID, musicTaskID string) ([]*mvgen.Track, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+s.tracks.list+` FROM mvgen_track
		WHERE key_id = ? AND music_task_id = ? ORDER BY music_index, id`, keyID, musicTaskID)
	return collect(rows, err, scanTrack)
}

// SetTrackURLs implements store.Store.
func (s *Store) SetTrackURLs(ctx context.Context, keyID, musicTaskID, audioID, audioURL, imageURL string) error {
	return s.updateOne(ctx, `UPDATE mvgen_track SET audio_url = ?, image_url = ?
		WHERE key_id = ? AND music_task_id = ? AND id = ?`, audioURL, imageURL, keyID, musicTaskID, audioID)
}
