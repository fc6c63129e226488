package sqlite

import (
	"context"
	"fmt"

	"github.com/mvgen/mvgen/internal/mvgen"
)

const trackColumns = `key_id, music_task_id, id, music_index, title, tags, audio_url,
	image_url, audio_key, cover_key, upstream, created_at, lyrics, lyrics_format`

// trackSelect is what a read of a track selects: its columns and whether
// its sources were purged.
const trackSelect = trackColumns + `, sources_purged_at`

func scanTrack(row scanner) (*mvgen.Track, error) {
	var t mvgen.Track
	var created, purged int64
	if err := row.Scan(&t.KeyID, &t.MusicTaskID, &t.ID, &t.MusicIndex, &t.Title, &t.Tags,
		&t.AudioURL, &t.ImageURL, &t.AudioKey, &t.CoverKey, &t.Upstream, &created,
		&t.Lyrics, &t.LyricsFormat, &purged); err != nil {
		return nil, err
	}
	t.CreatedAt, t.SourcesPurged = fromMS(created), purged != 0
	return &t, nil
}

// CreateTrack implements store.Store.
func (d *Store) CreateTrack(ctx context.Context, t *mvgen.Track) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO mvgen_track (`+trackColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.KeyID, t.MusicTaskID, t.ID, t.MusicIndex, t.Title, t.Tags, t.AudioURL,
		t.ImageURL, t.AudioKey, t.CoverKey, t.Upstream, ms(t.CreatedAt), t.Lyrics, t.LyricsFormat)
	if err != nil {
		return fmt.Errorf("creating track: %w", err)
	}
	return nil
}

// Track implements store.Store.
func (d *Store) Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error) {
	t, err := scanTrack(d.read.QueryRowContext(ctx, `SELECT `+trackSelect+` FROM mvgen_track
		WHERE key_id = ? AND music_task_id = ? AND id = ?`, keyID, musicTaskID, audioID))
	return t, notFound(err, mvgen.ErrNotFound)
}

// Tracks implements store.Store.
func (d *Store) Tracks(ctx context.Context, keyID, musicTaskID string) ([]*mvgen.Track, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+trackSelect+` FROM mvgen_track
		WHERE key_id = ? AND music_task_id = ? ORDER BY music_index, id`, keyID, musicTaskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tracks []*mvgen.Track
	for rows.Next() {
		t, err := scanTrack(rows)
		if err != nil {
			return nil, err
		}
		tracks = append(tracks, t)
	}
	return tracks, rows.Err()
}

// SetTrackURLs implements store.Store.
func (d *Store) SetTrackURLs(ctx context.Context, keyID, musicTaskID, audioID, audioURL, imageURL string) error {
	return d.updateKey(ctx, `UPDATE mvgen_track SET audio_url = ?, image_url = ?
		WHERE key_id = ? AND music_task_id = ? AND id = ?`, audioURL, imageURL, keyID, musicTaskID, audioID)
}
