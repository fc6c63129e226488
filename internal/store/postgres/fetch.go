package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// firstJob is the job a new task starts with: a fetch when its track has
// remote sources, else the render (which also reports a missing track).
func firstJob(ctx context.Context, tx pgx.Tx, t *mvgen.Task) (jobs.Job, error) {
	var remote bool
	err := tx.QueryRow(ctx, `SELECT audio_key = '' OR (cover_key = '' AND image_url <> '')
		FROM mvgen_track WHERE key_id = $1 AND music_task_id = $2 AND id = $3`,
		t.KeyID, t.MusicTaskID, t.AudioID).Scan(&remote)
	if err != nil && err != pgx.ErrNoRows {
		return jobs.Job{}, fmt.Errorf("reading the task's track: %w", err)
	}
	if remote {
		return jobs.Fetch(t.ID), nil
	}
	return jobs.Render(t.ID), nil
}

// RecordFetch implements store.Store.
func (d *Store) RecordFetch(ctx context.Context, f *store.Fetched) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		var status mvgen.Status
		err := tx.QueryRow(ctx, `SELECT status FROM mvgen_task WHERE id = $1 FOR UPDATE`, f.TaskID).Scan(&status)
		if err != nil {
			return notFound(err, mvgen.ErrNotFound)
		}
		if status != mvgen.StatusPending {
			return store.ErrNotPending
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mvgen_fetch (task_id, audio_key, cover_key, fetched_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (task_id) DO UPDATE SET audio_key = excluded.audio_key,
				cover_key = excluded.cover_key, fetched_at = excluded.fetched_at`,
			f.TaskID, f.AudioKey, f.CoverKey, ts(f.FetchedAt)); err != nil {
			return fmt.Errorf("recording fetched sources: %w", err)
		}
		_, err = d.insertJobs(ctx, tx, jobs.Render(f.TaskID))
		return err
	})
}

func scanFetched(row pgx.Row) (*store.Fetched, error) {
	var f store.Fetched
	var at pgtype.Timestamptz
	if err := row.Scan(&f.TaskID, &f.AudioKey, &f.CoverKey, &at); err != nil {
		return nil, err
	}
	f.FetchedAt = fromTS(at)
	return &f, nil
}

// Fetched implements store.Store.
func (d *Store) Fetched(ctx context.Context, taskID string) (*store.Fetched, error) {
	f, err := scanFetched(d.pool.QueryRow(ctx, `SELECT task_id, audio_key, cover_key, fetched_at
		FROM mvgen_fetch WHERE task_id = $1`, taskID))
	return f, notFound(err, mvgen.ErrNotFound)
}

// DoneFetches implements store.Store.
func (d *Store) DoneFetches(ctx context.Context, limit int) ([]*store.Fetched, error) {
	rows, err := d.pool.Query(ctx, `SELECT f.task_id, f.audio_key, f.cover_key, f.fetched_at
		FROM mvgen_fetch f JOIN mvgen_task t ON t.id = f.task_id
		WHERE t.status <> $1 ORDER BY f.fetched_at LIMIT $2`, mvgen.StatusPending, limit)
	if err != nil {
		return nil, fmt.Errorf("listing fetched sources: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Fetched, error) { return scanFetched(row) })
}

// ForgetFetch implements store.Store.
func (d *Store) ForgetFetch(ctx context.Context, taskID string) error {
	_, err := d.pool.Exec(ctx, `DELETE FROM mvgen_fetch WHERE task_id = $1`, taskID)
	return err
}

// PurgeSources implements store.Store. A task created for a track while
// it is being marked finds it marked and fails with the retention message;
// it never renders from a deleted file.
func (d *Store) PurgeSources(ctx context.Context, cutoff time.Time, limit int) ([]*mvgen.Track, error) {
	var out []*mvgen.Track
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE mvgen_track SET sources_purged_at = $1
			WHERE (key_id, music_task_id, id) IN (SELECT tr.key_id, tr.music_task_id, tr.id FROM mvgen_track tr
				WHERE tr.sources_purged_at IS NULL AND tr.created_at < $2 AND (tr.audio_key <> '' OR tr.cover_key <> '')
				AND NOT EXISTS (SELECT 1 FROM mvgen_task t WHERE t.key_id = tr.key_id
					AND t.music_task_id = tr.music_task_id AND t.audio_id = tr.id AND t.status = $3)
				ORDER BY tr.created_at LIMIT $4 FOR UPDATE SKIP LOCKED)`,
			ts(time.Now()), ts(cutoff), mvgen.StatusPending, limit); err != nil {
			return fmt.Errorf("marking expired sources: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+trackSelect+` FROM mvgen_track
			WHERE sources_purged_at IS NOT NULL AND NOT sources_deleted ORDER BY created_at LIMIT $1`, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*mvgen.Track, error) { return scanTrack(row) })
		return err
	})
	return out, err
}

// SourcesDeleted implements store.Store.
func (d *Store) SourcesDeleted(ctx context.Context, t *mvgen.Track) error {
	_, err := d.pool.Exec(ctx, `UPDATE mvgen_track SET sources_deleted = true
		WHERE key_id = $1 AND music_task_id = $2 AND id = $3`, t.KeyID, t.MusicTaskID, t.ID)
	return err
}

// ExpiredVideos implements store.Store.
func (d *Store) ExpiredVideos(ctx context.Context, cutoff time.Time, limit int) ([]*store.Video, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+videoColumns+` FROM mvgen_video
		WHERE purged_at IS NULL AND expires_at < $1 ORDER BY expires_at LIMIT $2`, ts(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("listing expired videos: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Video, error) { return scanVideo(row) })
}

// MarkPurged implements store.Store.
func (d *Store) MarkPurged(ctx context.Context, v *store.Video, cutoff time.Time) (bool, error) {
	tag, err := d.pool.Exec(ctx, `UPDATE mvgen_video SET purged_at = $1
		WHERE render_key = $2 AND blob_key = $3 AND purged_at IS NULL AND expires_at < $4`,
		ts(time.Now()), v.RenderKey, v.BlobKey, ts(cutoff))
	if err != nil {
		return false, fmt.Errorf("marking video purged: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}
