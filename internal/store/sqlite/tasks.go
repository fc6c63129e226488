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

const taskColumns = `id, key_id, music_task_id, audio_id, music_index, callback_url, author,
	domain_name, aspect, status, progress, error_code, error_message, render_key, video_key,
	webhook_id, created_at, completed_at, expires_at, idempotency_key, request_hash, resolution, no_lyrics, request_id`

func scanTask(row scanner) (*mvgen.Task, error) {
	var t mvgen.Task
	var created, completed, expires int64
	if err := row.Scan(&t.ID, &t.KeyID, &t.MusicTaskID, &t.AudioID, &t.MusicIndex, &t.CallbackURL,
		&t.Author, &t.DomainName, &t.Aspect, &t.Status, &t.Progress, &t.ErrorCode, &t.ErrorMessage,
		&t.RenderKey, &t.VideoKey, &t.WebhookID, &created, &completed, &expires,
		&t.IdempotencyKey, &t.RequestHash, &t.Resolution, &t.NoLyrics, &t.RequestID); err != nil {
		return nil, err
	}
	t.CreatedAt, t.CompletedAt, t.ExpiresAt = fromMS(created), fromMS(completed), fromMS(expires)
	return &t, nil
}

// CreateTask implements store.Store. Concurrent calls are committed
// together (group commit, see committer): one fsync for a batch instead of
// one for each task, each task still in its own savepoint.
func (d *Store) CreateTask(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error) {
	return d.commits.create(ctx, t)
}

// createTask stores t and its jobs inside tx.
func (d *Store) createTask(ctx context.Context, tx *sql.Tx, t *mvgen.Task) (*mvgen.Task, error) {
	if t.IdempotencyKey != "" {
		prev, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM mvgen_task
			WHERE key_id = ? AND idempotency_key = ? AND created_at > ?
			ORDER BY created_at DESC LIMIT 1`,
			t.KeyID, t.IdempotencyKey, ms(t.CreatedAt.Add(-store.IdempotencyWindow))))
		switch {
		case err == nil && prev.RequestHash == t.RequestHash:
			return prev, nil
		case err == nil:
			return nil, store.ErrIdempotencyConflict
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO mvgen_task (`+taskColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.KeyID, t.MusicTaskID, t.AudioID, t.MusicIndex, t.CallbackURL, t.Author,
		t.DomainName, t.Aspect, t.Status, t.Progress, t.ErrorCode, t.ErrorMessage, t.RenderKey,
		t.VideoKey, t.WebhookID, ms(t.CreatedAt), ms(t.CompletedAt), ms(t.ExpiresAt),
		t.IdempotencyKey, t.RequestHash, t.Resolution, t.NoLyrics, t.RequestID)
	if err != nil {
		return nil, fmt.Errorf("creating task: %w", err)
	}
	first, err := firstJob(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	if _, err := d.insertJobs(ctx, tx, first); err != nil {
		return nil, err
	}
	return t, nil
}

// Task implements store.Store.
func (d *Store) Task(ctx context.Context, keyID, id string) (*mvgen.Task, error) {
	t, err := scanTask(d.read.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM mvgen_task
		WHERE id = ? AND (? = '' OR key_id = ?)`, id, keyID, keyID))
	return t, notFound(err, mvgen.ErrNotFound)
}

// SetProgress implements store.Store.
func (d *Store) SetProgress(ctx context.Context, id string, progress int) error {
	_, err := d.db.ExecContext(ctx, `UPDATE mvgen_task SET progress = ? WHERE id = ? AND status = ?`,
		progress, id, mvgen.StatusPending)
	return err
}

// FinishTask implements store.Store.
func (d *Store) FinishTask(ctx context.Context, id string, r store.Result, follow ...jobs.Job) ([]int64, error) {
	var ids []int64
	err := d.durableTx(ctx, func(tx *sql.Tx) error {
		var renderKey string
		err := tx.QueryRowContext(ctx, `UPDATE mvgen_task SET status = ?, progress = ?, error_code = ?,
			error_message = ?, video_key = ?, completed_at = ?, expires_at = ?
			WHERE id = ? AND status = ? RETURNING render_key`,
			r.Status, r.Progress(), r.ErrorCode, r.ErrorMessage, r.VideoKey, ms(r.CompletedAt),
			ms(r.ExpiresAt), id, mvgen.StatusPending).Scan(&renderKey)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotPending
		} else if err != nil {
			return fmt.Errorf("finishing task: %w", err)
		}
		if r.VideoKey != "" {
			// Identical renders share one file: record it, keeping the latest
			// expiry of every task that links to it.
			if _, err := tx.ExecContext(ctx, `INSERT INTO mvgen_video (render_key, blob_key, created_at, expires_at, size)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (render_key) DO UPDATE SET blob_key = excluded.blob_key,
					expires_at = max(mvgen_video.expires_at, excluded.expires_at), purged_at = 0, size = excluded.size`,
				renderKey, r.VideoKey, ms(r.CompletedAt), ms(r.ExpiresAt), r.VideoSize); err != nil {
				return fmt.Errorf("recording video: %w", err)
			}
		}
		ids, err = d.insertJobs(ctx, tx, follow...)
		return err
	})
	return ids, err
}

// Redeliver implements store.Store.
func (d *Store) Redeliver(ctx context.Context, id string, maxDeliveries int, job func(delivery int) jobs.Job) (int, int64, error) {
	var delivery int
	var jobID int64
	err := d.durableTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE mvgen_task SET deliveries = deliveries + 1
			WHERE id = ? AND (? <= 0 OR deliveries < ?) RETURNING deliveries`, id, maxDeliveries, maxDeliveries).Scan(&delivery)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT deliveries FROM mvgen_task WHERE id = ?`, id).Scan(&n); err != nil {
				return notFound(err, mvgen.ErrNotFound)
			}
			return store.ErrDeliveryLimit
		} else if err != nil {
			return fmt.Errorf("numbering a redelivery: %w", err)
		}
		ids, err := d.insertJobs(ctx, tx, job(delivery))
		if err != nil {
			return err
		}
		jobID = ids[0]
		return nil
	})
	return delivery, jobID, err
}

// CountPending implements store.Store.
func (d *Store) CountPending(ctx context.Context, keyID string) (int, error) {
	var n int
	err := d.read.QueryRowContext(ctx, `SELECT count(*) FROM mvgen_task WHERE key_id = ? AND status = ?`,
		keyID, mvgen.StatusPending).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting pending tasks: %w", err)
	}
	return n, nil
}

// SetStatus implements store.Store.
func (d *Store) SetStatus(ctx context.Context, id string, from, to mvgen.Status) (bool, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE mvgen_task SET status = ? WHERE id = ? AND status = ?`, to, id, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const videoColumns = `render_key, blob_key, created_at, expires_at, purged_at, size`

func scanVideo(row scanner) (*store.Video, error) {
	var v store.Video
	var created, expires, purged int64
	if err := row.Scan(&v.RenderKey, &v.BlobKey, &created, &expires, &purged, &v.Size); err != nil {
		return nil, err
	}
	v.CreatedAt, v.ExpiresAt, v.Purged = fromMS(created), fromMS(expires), purged != 0
	return &v, nil
}

// Video implements store.Store.
func (d *Store) Video(ctx context.Context, renderKey string) (*store.Video, error) {
	v, err := scanVideo(d.read.QueryRowContext(ctx, `SELECT `+videoColumns+` FROM mvgen_video WHERE render_key = ?`, renderKey))
	return v, notFound(err, mvgen.ErrNotFound)
}

// AddAttempt implements store.Store.
func (d *Store) AddAttempt(ctx context.Context, a *mvgen.Attempt) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO mvgen_callback_attempt
		(task_id, delivery, attempt, at, duration_us, status_code, error, response, retry_after_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.TaskID, a.Delivery, a.Attempt, ms(a.At), a.Duration.Microseconds(), a.StatusCode, a.Error, a.Response,
		a.RetryAfter.Milliseconds())
	return err
}

// Attempts implements store.Store.
func (d *Store) Attempts(ctx context.Context, taskID string) ([]*mvgen.Attempt, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT task_id, delivery, attempt, at, duration_us, status_code,
		error, response, retry_after_ms
		FROM mvgen_callback_attempt WHERE task_id = ? ORDER BY at, rowid`, taskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*mvgen.Attempt
	for rows.Next() {
		var a mvgen.Attempt
		var at, dur, retryAfter int64
		if err := rows.Scan(&a.TaskID, &a.Delivery, &a.Attempt, &at, &dur, &a.StatusCode, &a.Error, &a.Response,
			&retryAfter); err != nil {
			return nil, err
		}
		a.At, a.Duration = fromMS(at), time.Duration(dur)*time.Microsecond
		a.RetryAfter = time.Duration(retryAfter) * time.Millisecond
		out = append(out, &a)
	}
	return out, rows.Err()
}
