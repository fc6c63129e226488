package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

const taskColumns = `id, key_id, music_task_id, audio_id, music_index, callback_url, author,
	domain_name, aspect, status, progress, error_code, error_message, render_key, video_key,
	webhook_id, created_at, completed_at, expires_at, idempotency_key, request_hash, resolution, no_lyrics, request_id`

func scanTask(row pgx.Row) (*mvgen.Task, error) {
	var t mvgen.Task
	var created, completed, expires pgtype.Timestamptz
	if err := row.Scan(&t.ID, &t.KeyID, &t.MusicTaskID, &t.AudioID, &t.MusicIndex, &t.CallbackURL,
		&t.Author, &t.DomainName, &t.Aspect, &t.Status, &t.Progress, &t.ErrorCode, &t.ErrorMessage,
		&t.RenderKey, &t.VideoKey, &t.WebhookID, &created, &completed, &expires,
		&t.IdempotencyKey, &t.RequestHash, &t.Resolution, &t.NoLyrics, &t.RequestID); err != nil {
		return nil, err
	}
	t.CreatedAt, t.CompletedAt, t.ExpiresAt = fromTS(created), fromTS(completed), fromTS(expires)
	return &t, nil
}

// lockIdempotencyKey serialises the transactions that carry one API key's
// idempotency key: a second identical request waits for the first to
// commit and then finds its task. Two-key advisory locks never meet River's.
const lockIdempotencyKey = `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`

// CreateTask implements store.Store.
func (d *Store) CreateTask(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error) {
	var stored *mvgen.Task
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		if t.IdempotencyKey != "" {
			if _, err := tx.Exec(ctx, lockIdempotencyKey, t.KeyID, t.IdempotencyKey); err != nil {
				return fmt.Errorf("locking idempotency key: %w", err)
			}
			// Read committed: this statement's snapshot is taken after the
			// lock, so it sees the task of a request that held it.
			prev, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskColumns+` FROM mvgen_task
				WHERE key_id = $1 AND idempotency_key = $2 AND created_at > $3
				ORDER BY created_at DESC LIMIT 1`,
				t.KeyID, t.IdempotencyKey, ts(t.CreatedAt.Add(-store.IdempotencyWindow))))
			switch {
			case err == nil && prev.RequestHash == t.RequestHash:
				stored = prev
				return nil
			case err == nil:
				return store.ErrIdempotencyConflict
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("looking up idempotency key: %w", err)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO mvgen_task (`+taskColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
			t.ID, t.KeyID, t.MusicTaskID, t.AudioID, t.MusicIndex, t.CallbackURL, t.Author,
			t.DomainName, t.Aspect, t.Status, t.Progress, t.ErrorCode, t.ErrorMessage, t.RenderKey,
			t.VideoKey, t.WebhookID, ts(t.CreatedAt), ts(t.CompletedAt), ts(t.ExpiresAt),
			t.IdempotencyKey, t.RequestHash, t.Resolution, t.NoLyrics, t.RequestID)
		if err != nil {
			return fmt.Errorf("creating task: %w", err)
		}
		stored = t
		first, err := firstJob(ctx, tx, t)
		if err != nil {
			return err
		}
		_, err = d.insertJobs(ctx, tx, first)
		return err
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// Task implements store.Store.
func (d *Store) Task(ctx context.Context, keyID, id string) (*mvgen.Task, error) {
	t, err := scanTask(d.pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM mvgen_task
		WHERE id = $1 AND ($2 = '' OR key_id = $2)`, id, keyID))
	return t, notFound(err, mvgen.ErrNotFound)
}

// SetProgress implements store.Store.
func (d *Store) SetProgress(ctx context.Context, id string, progress int) error {
	_, err := d.pool.Exec(ctx, `UPDATE mvgen_task SET progress = $1 WHERE id = $2 AND status = $3`,
		progress, id, mvgen.StatusPending)
	return err
}

// FinishTask implements store.Store.
func (d *Store) FinishTask(ctx context.Context, id string, r store.Result, follow ...jobs.Job) ([]int64, error) {
	var ids []int64
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var renderKey string
		err := tx.QueryRow(ctx, `UPDATE mvgen_task SET status = $1, progress = $2, error_code = $3,
			error_message = $4, video_key = $5, completed_at = $6, expires_at = $7
			WHERE id = $8 AND status = $9 RETURNING render_key`,
			r.Status, r.Progress(), r.ErrorCode, r.ErrorMessage, r.VideoKey, ts(r.CompletedAt),
			ts(r.ExpiresAt), id, mvgen.StatusPending).Scan(&renderKey)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotPending
		} else if err != nil {
			return fmt.Errorf("finishing task: %w", err)
		}
		if r.VideoKey != "" {
			// Identical renders share one file: record it, keeping the latest
			// expiry of every task that links to it.
			if _, err := tx.Exec(ctx, `INSERT INTO mvgen_video (render_key, blob_key, created_at, expires_at, size)
				VALUES ($1, $2, $3, coalesce($4, '-infinity'::timestamptz), $5)
				ON CONFLICT (render_key) DO UPDATE SET blob_key = excluded.blob_key,
					expires_at = greatest(mvgen_video.expires_at, excluded.expires_at), purged_at = NULL,
					size = excluded.size`,
				renderKey, r.VideoKey, ts(r.CompletedAt), ts(r.ExpiresAt), r.VideoSize); err != nil {
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
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE mvgen_task SET deliveries = deliveries + 1
			WHERE id = $1 AND ($2 <= 0 OR deliveries < $2) RETURNING deliveries`, id, maxDeliveries).Scan(&delivery)
		if errors.Is(err, pgx.ErrNoRows) {
			var n int
			if err := tx.QueryRow(ctx, `SELECT deliveries FROM mvgen_task WHERE id = $1`, id).Scan(&n); err != nil {
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
	err := d.pool.QueryRow(ctx, `SELECT count(*) FROM mvgen_task WHERE key_id = $1 AND status = $2`,
		keyID, mvgen.StatusPending).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting pending tasks: %w", err)
	}
	return n, nil
}

// SetStatus implements store.Store.
func (d *Store) SetStatus(ctx context.Context, id string, from, to mvgen.Status) (bool, error) {
	tag, err := d.pool.Exec(ctx, `UPDATE mvgen_task SET status = $1 WHERE id = $2 AND status = $3`, to, id, from)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

const videoColumns = `render_key, blob_key, created_at, expires_at, purged_at, size`

func scanVideo(row pgx.Row) (*store.Video, error) {
	var v store.Video
	var created, expires, purged pgtype.Timestamptz
	if err := row.Scan(&v.RenderKey, &v.BlobKey, &created, &expires, &purged, &v.Size); err != nil {
		return nil, err
	}
	v.CreatedAt, v.ExpiresAt, v.Purged = fromTS(created), fromTS(expires), purged.Valid
	return &v, nil
}

// Video implements store.Store.
func (d *Store) Video(ctx context.Context, renderKey string) (*store.Video, error) {
	v, err := scanVideo(d.pool.QueryRow(ctx, `SELECT `+videoColumns+` FROM mvgen_video WHERE render_key = $1`, renderKey))
	return v, notFound(err, mvgen.ErrNotFound)
}

// AddAttempt implements store.Store.
func (d *Store) AddAttempt(ctx context.Context, a *mvgen.Attempt) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO mvgen_callback_attempt
		(task_id, delivery, attempt, at, duration_us, status_code, error, response, retry_after_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.TaskID, a.Delivery, a.Attempt, ts(a.At), a.Duration.Microseconds(), a.StatusCode, a.Error, a.Response,
		a.RetryAfter.Milliseconds())
	return err
}

// Attempts implements store.Store.
func (d *Store) Attempts(ctx context.Context, taskID string) ([]*mvgen.Attempt, error) {
	rows, err := d.pool.Query(ctx, `SELECT task_id, delivery, attempt, at, duration_us, status_code,
		error, response, retry_after_ms
		FROM mvgen_callback_attempt WHERE task_id = $1 ORDER BY at, id`, taskID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*mvgen.Attempt, error) {
		var a mvgen.Attempt
		var at pgtype.Timestamptz
		var dur, retryAfter int64
		if err := row.Scan(&a.TaskID, &a.Delivery, &a.Attempt, &at, &dur, &a.StatusCode, &a.Error, &a.Response,
			&retryAfter); err != nil {
			return nil, err
		}
		a.At, a.Duration = fromTS(at), time.Duration(dur)*time.Microsecond
		a.RetryAfter = time.Duration(retryAfter) * time.Millisecond
		return &a, nil
	})
}
