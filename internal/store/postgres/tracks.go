package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/mvgen/mvgen/internal/mvgen"
)

const trackColumns = `key_id, music_task_id, id, music_index, title, tags, audio_url,
	image_url, audio_key, cover_key, upstream, created_at, lyrics, lyrics_format`

// trackSelect is what a read of a track selects: its columns and whether
// its sources were purged.
const trackSelect = trackColumns + `, sources_purged_at`

func scanTrack(row pgx.Row) (*mvgen.Track, error) {
	var t mvgen.Track
	var created, purged pgtype.Timestamptz
	if err := row.Scan(&t.KeyID, &t.MusicTaskID, &t.ID, &t.MusicIndex, &t.Title, &t.Tags,
		&t.AudioURL, &t.ImageURL, &t.AudioKey, &t.CoverKey, &t.Upstream, &created,
		&t.Lyrics, &t.LyricsFormat, &purged); err != nil {
		return nil, err
	}
	t.CreatedAt, t.SourcesPurged = fromTS(created), purged.Valid
	return &t, nil
}

// CreateTrack implements store.Store. A duplicate (key, music task, id) is an
// error wrapping the unique violation.
func (d *Store) CreateTrack(ctx context.Context, t *mvgen.Track) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO mvgen_track (`+trackColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		t.KeyID, t.MusicTaskID, t.ID, t.MusicIndex, t.Title, t.Tags, t.AudioURL,
		t.ImageURL, t.AudioKey, t.CoverKey, t.Upstream, ts(t.CreatedAt), t.Lyrics, t.LyricsFormat)
	if err != nil {
		return fmt.Errorf("creating track: %w", err)
	}
	return nil
}

// Track implements store.Store.
func (d *Store) Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error) {
	t, err := scanTrack(d.pool.QueryRow(ctx, `SELECT `+trackSelect+` FROM mvgen_track
		WHERE key_id = $1 AND music_task_id = $2 AND id = $3`, keyID, musicTaskID, audioID))
	return t, notFound(err, mvgen.ErrNotFound)
}

// Tracks implements store.Store.
func (d *Store) Tracks(ctx context.Context, keyID, musicTaskID string) ([]*mvgen.Track, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+trackSelect+` FROM mvgen_track
		WHERE key_id = $1 AND music_task_id = $2 ORDER BY music_index, id`, keyID, musicTaskID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*mvgen.Track, error) { return scanTrack(row) })
}

// SetTrackURLs implements store.Store.
func (d *Store) SetTrackURLs(ctx context.Context, keyID, musicTaskID, audioID, audioURL, imageURL string) error {
	return d.updateKey(ctx, `UPDATE mvgen_track SET audio_url = $1, image_url = $2
		WHERE key_id = $3 AND music_task_id = $4 AND id = $5`, audioURL, imageURL, keyID, musicTaskID, audioID)
}
