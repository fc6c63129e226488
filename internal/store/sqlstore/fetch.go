package sqlstore

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
func firstJob(ctx context.Context, tx Querier, t *mvgen.Task) (jobs.Job, error) {
	var remote bool
	err := tx.QueryRow(ctx, `SELECT audio_key = '' OR (cover_key = '' AND image_url <> '')
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
func (s *Store) RecordFetch(ctx context.Context, f *store.Fetched) error {
	return s.db.InTx(ctx, true, func(tx Tx) error {
		var status mvgen.Status
		err := tx.QueryRow(ctx, `SELECT status FROM mvgen_task WHERE id = ?`+s.d.ForUpdate, f.TaskID).Scan(&status)
		if err != nil {
			return notFound(err, mvgen.ErrNotFound)
		}
		if status != mvgen.StatusPending {
			return store.ErrNotPending
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mvgen_fetch (task_id, audio_key, cover_key, fetched_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET audio_key = excluded.audio_key,
				cover_key = excluded.cover_key, fetched_at = excluded.fetched_at`,
			f.TaskID, f.AudioKey, f.CoverKey, s.d.Time(f.FetchedAt)); err != nil {
			return fmt.Errorf("recording fetched sources: %w", err)
		}
		_, err = tx.InsertJobs(ctx, jobs.Render(f.TaskID))
		return err
	})
}

func scanFetched(row Row) (*store.Fetched, error) {
	var f store.Fetched
	if err := row.Scan(&f.TaskID, &f.AudioKey, &f.CoverKey, at(&f.FetchedAt)); err != nil {
		return nil, err
	}
	return &f, nil
}

// Fetched implements store.Store.
func (s *Store) Fetched(ctx context.Context, taskID string) (*store.Fetched, error) {
	f, err := scanFetched(s.db.Read().QueryRow(ctx, `SELECT task_id, audio_key, cover_key, fetched_at
		FROM mvgen_fetch WHERE task_id = ?`, taskID))
	return f, notFound(err, mvgen.ErrNotFound)
}

// DoneFetches implements store.Store.
func (s *Store) DoneFetches(ctx context.Context, limit int) ([]*store.Fetched, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT f.task_id, f.audio_key, f.cover_key, f.fetched_at
		FROM mvgen_fetch f JOIN mvgen_task t ON t.id = f.task_id
		WHERE t.status <> ? ORDER BY f.fetched_at LIMIT ?`, mvgen.StatusPending, limit)
	if err != nil {
		return nil, fmt.Errorf("listing fetched sources: %w", err)
	}
	return collect(rows, nil, scanFetched)
}

// ForgetFetch implements store.Store.
func (s *Store) ForgetFetch(ctx context.Context, taskID string) error {
	_, err := s.db.Write().Exec(ctx, `DELETE FROM mvgen_fetch WHERE task_id = ?`, taskID)
	return err
}

// PurgeSources implements store.Store. A task created for a track while
// it is being marked finds it marked and fails with the retention message;
// it never renders from a deleted file.
func (s *Store) PurgeSources(ctx context.Context, cutoff time.Time, limit int) ([]*mvgen.Track, error) {
	var out []*mvgen.Track
	err := s.db.InTx(ctx, false, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE mvgen_track SET sources_purged_at = ?
			WHERE (key_id, music_task_id, id) IN (SELECT tr.key_id, tr.music_task_id, tr.id FROM mvgen_track tr
				WHERE tr.sources_purged_at `+s.d.NoTime+` AND tr.created_at < ? AND (tr.audio_key <> '' OR tr.cover_key <> '')
				AND NOT EXISTS (SELECT 1 FROM mvgen_task t WHERE t.key_id = tr.key_id
					AND t.music_task_id = tr.music_task_id AND t.audio_id = tr.id AND t.status = ?)
				ORDER BY tr.created_at LIMIT ?`+s.d.SkipLocked+`)`,
			s.d.Time(time.Now()), s.d.Time(cutoff), mvgen.StatusPending, limit); err != nil {
			return fmt.Errorf("marking expired sources: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+s.tracks.list+` FROM mvgen_track
			WHERE NOT (sources_purged_at `+s.d.NoTime+`) AND sources_deleted = `+s.d.False+`
			ORDER BY created_at LIMIT ?`, limit)
		out, err = collect(rows, err, scanTrack)
		return err
	})
	return out, err
}

// SourcesDeleted implements store.Store.
func (s *Store) SourcesDeleted(ctx context.Context, t *mvgen.Track) error {
	_, err := s.db.Write().Exec(ctx, `UPDATE mvgen_track SET sources_deleted = true
		WHERE key_id = ? AND music_task_id = ? AND id = ?`, t.KeyID, t.MusicTaskID, t.ID)
	return err
}

// ExpiredVideos implements store.Store.
func (s *Store) ExpiredVideos(ctx context.Context, cutoff time.Time, limit int) ([]*store.Video, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+videoColumns+` FROM mvgen_video
		WHERE purged_at `+s.d.NoTime+` AND expires_at < ? ORDER BY expires_at LIMIT ?`, s.d.Time(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("listing expired videos: %w", err)
	}
	return collect(rows, nil, scanVideo)
}

// MarkPurged implements store.Store.
func (s *Store) MarkPurged(ctx context.Context, v *store.Video, cutoff time.Time) (bool, error) {
	n, err := s.db.Write().Exec(ctx, `UPDATE mvgen_video SET purged_at = ?
		WHERE render_key = ? AND blob_key = ? AND purged_at `+s.d.NoTime+` AND expires_at < ?`,
		s.d.Time(time.Now()), v.RenderKey, v.BlobKey, s.d.Time(cutoff))
	if err != nil {
		return false, fmt.Errorf("marking video purged: %w", err)
	}
	return n > 0, nil
}
