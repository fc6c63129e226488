package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// firstJob is the job a new task starts with: a fetch when its track has
// remote sources, else the render (which also reports a missing track).
func firstJob(ctx context.Context, tx *sql.Tx, t *mvgen.Task) (jobs.Job, error) {
	var remote bool
	err := tx.QueryRowContext(ctx, `SELECT audio_key = '' OR (cover_key = '' AND image_url <> '')
		FROM mvgen_track WHERE key_id = ? AND music_task_id = ? AND id = ?`,
		t.KeyID, t.MusicTaskID, t.AudioID).Scan(&remote)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return jobs.Job{}, fmt.Errorf("reading the task's track: %w", err)
	}
	if remote {
		return jobs.Fetch(t.ID), nil
	}
	return jobs.Render(t.ID), nil
}

// RecordFetch implements store.Store.
func (d *Store) RecordFetch(ctx context.Context, f *store.Fetched) error {
	return d.durableTx(ctx, func(tx *sql.Tx) error {
		var status mvgen.Status
		err := tx.QueryRowContext(ctx, `SELECT status FROM mvgen_task WHERE id = ?`, f.TaskID).Scan(&status)
		if err != nil {
			return notFound(err, mvgen.ErrNotFound)
		}
		if status != mvgen.StatusPending {
			return store.ErrNotPending
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mvgen_fetch (task_id, audio_key, cover_key, fetched_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET audio_key = excluded.audio_key,
				cover_key = excluded.cover_key, fetched_at = excluded.fetched_at`,
			f.TaskID, f.AudioKey, f.CoverKey, ms(f.FetchedAt)); err != nil {
			return fmt.Errorf("recording fetched sources: %w", err)
		}
		_, err = d.insertJobs(ctx, tx, jobs.Render(f.TaskID))
		return err
	})
}

func scanFetched(row scanner) (*store.Fetched, error) {
	var f store.Fetched
	var at int64
	if err := row.Scan(&f.TaskID, &f.AudioKey, &f.CoverKey, &at); err != nil {
		return nil, err
	}
	f.FetchedAt = fromMS(at)
	return &f, nil
}

// Fetched implements store.Store.
func (d *Store) Fetched(ctx context.Context, taskID string) (*store.Fetched, error) {
	f, err := scanFetched(d.read.QueryRowContext(ctx, `SELECT task_id, audio_key, cover_key, fetched_at
		FROM mvgen_fetch WHERE task_id = ?`, taskID))
	return f, notFound(err, mvgen.ErrNotFound)
}

// DoneFetches implements store.Store.
func (d *Store) DoneFetches(ctx context.Context, limit int) ([]*store.Fetched, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT f.task_id, f.audio_key, f.cover_key, f.fetched_at
		FROM mvgen_fetch f JOIN mvgen_task t ON t.id = f.task_id
		WHERE t.status <> ? ORDER BY f.fetched_at LIMIT ?`, mvgen.StatusPending, limit)
	if err != nil {
		return nil, fmt.Errorf("listing fetched sources: %w", err)
	}
	defer rows.Close()
	var out []*store.Fetched
	for rows.Next() {
		f, err := scanFetched(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ForgetFetch implements store.Store.
func (d *Store) ForgetFetch(ctx context.Context, taskID string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM mvgen_fetch WHERE task_id = ?`, taskID)
	return err
}

// PurgeSources implements store.Store.
func (d *Store) PurgeSources(ctx context.Context, cutoff time.Time, limit int) ([]*mvgen.Track, error) {
	var out []*mvgen.Track
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE mvgen_track SET sources_purged_at = ?
			WHERE rowid IN (SELECT tr.rowid FROM mvgen_track tr
				WHERE tr.sources_purged_at = 0 AND tr.created_at < ? AND (tr.audio_key <> '' OR tr.cover_key <> '')
				AND NOT EXISTS (SELECT 1 FROM mvgen_task t WHERE t.key_id = tr.key_id
					AND t.music_task_id = tr.music_task_id AND t.audio_id = tr.id AND t.status = ?)
				ORDER BY tr.created_at LIMIT ?)`,
			time.Now().UnixMilli(), ms(cutoff), mvgen.StatusPending, limit); err != nil {
			return fmt.Errorf("marking expired sources: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+trackSelect+` FROM mvgen_track
			WHERE sources_purged_at <> 0 AND sources_deleted = 0 ORDER BY created_at LIMIT ?`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTrack(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// SourcesDeleted implements store.Store.
func (d *Store) SourcesDeleted(ctx context.Context, t *mvgen.Track) error {
	_, err := d.db.ExecContext(ctx, `UPDATE mvgen_track SET sources_deleted = 1
		WHERE key_id = ? AND music_task_id = ? AND id = ?`, t.KeyID, t.MusicTaskID, t.ID)
	return err
}

// ExpiredVideos implements store.Store.
func (d *Store) ExpiredVideos(ctx context.Context, cutoff time.Time, limit int) ([]*store.Video, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+videoColumns+` FROM mvgen_video
		WHERE purged_at = 0 AND expires_at < ? ORDER BY expires_at LIMIT ?`, ms(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("listing expired videos: %w", err)
	}
	defer rows.Close()
	var videos []*store.Video
	for rows.Next() {
		v, err := scanVideo(rows)
		if err != nil {
			return nil, err
		}
		videos = append(videos, v)
	}
	return videos, rows.Err()
}

// MarkPurged implements store.Store.
func (d *Store) MarkPurged(ctx context.Context, v *store.Video, cutoff time.Time) (bool, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE mvgen_video SET purged_at = ?
		WHERE render_key = ? AND blob_key = ? AND purged_at = 0 AND expires_at < ?`,
		time.Now().UnixMilli(), v.RenderKey, v.BlobKey, ms(cutoff))
	if err != nil {
		return false, fmt.Errorf("marking video purged: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
