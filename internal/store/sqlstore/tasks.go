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

const taskColumns = `id, key_id, music_task_id, audio_id, music_index, callback_url, author,
	domain_name, aspect, status, progress, error_code, error_message, render_key, video_key,
	webhook_id, created_at, completed_at, expires_at, idempotency_key, request_hash, resolution, no_lyrics, request_id,
	dialect, param, fps, accent_color, full_frame, captions, embed_captions, duration_ms, theme, logo_hash, renditions`

func scanTask(row Row) (*mvgen.Task, error) {
	t, _, err := scanTaskCounted(row)
	return t, err
}

// scanTaskCounted is scanTask that also returns how many renditions the
// task has (their rows are read apart: renditions).
func scanTaskCounted(row Row) (*mvgen.Task, int, error) {
	var t mvgen.Task
	var ms int64
	var n int
	if err := row.Scan(&t.ID, &t.KeyID, &t.MusicTaskID, &t.AudioID, &t.MusicIndex, &t.CallbackURL,
		&t.Author, &t.DomainName, &t.Aspect, &t.Status, &t.Progress, &t.ErrorCode, &t.ErrorMessage,
		&t.RenderKey, &t.VideoKey, &t.WebhookID, at(&t.CreatedAt), at(&t.CompletedAt), at(&t.ExpiresAt),
		&t.IdempotencyKey, &t.RequestHash, &t.Resolution, &t.NoLyrics, &t.RequestID,
		&t.Dialect, &t.Param, &t.FPS, &t.AccentColor, &t.FullFrame, &t.Captions, &t.EmbedCaptions, &ms, &t.Theme, &t.LogoHash, &n); err != nil {
		return nil, 0, err
	}
	t.Duration = time.Duration(ms) * time.Millisecond
	return &t, n, nil
}

// CreateTask implements store.Store: the task and its first job in one
// durable transaction.
func (s *Store) CreateTask(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error) {
	var stored *mvgen.Task
	err := s.db.InTx(ctx, true, func(tx Tx) error {
		var err error
		stored, err = s.InsertTask(ctx, tx, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// InsertTask is CreateTask inside tx: it stores t and queues its first job
// and returns t, or returns the task an idempotent replay names (inserting
// nothing), or ErrIdempotencyConflict.
func (s *Store) InsertTask(ctx context.Context, tx Tx, t *mvgen.Task) (*mvgen.Task, error) {
	if t.IdempotencyKey != "" {
		if s.d.LockIdempotencyKey != "" {
			if _, err := tx.Exec(ctx, s.d.LockIdempotencyKey, t.KeyID, t.IdempotencyKey); err != nil {
				return nil, fmt.Errorf("locking idempotency key: %w", err)
			}
		}
		// PostgreSQL's read committed takes this statement's snapshot after
		// the lock, so it sees the task of a request that held it.
		prev, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskColumns+` FROM mvgen_task
			WHERE key_id = ? AND idempotency_key = ? AND created_at > ?
			ORDER BY created_at DESC LIMIT 1`,
			t.KeyID, t.IdempotencyKey, s.d.Time(t.CreatedAt.Add(-store.IdempotencyWindow))))
		switch {
		case err == nil && prev.RequestHash == t.RequestHash:
			return prev, nil
		case err == nil:
			return nil, store.ErrIdempotencyConflict
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("looking up idempotency key: %w", err)
		}
	}
	if t.LogoHash != "" {
		// Locks the logo against a brand change that would delete it
		// (dropLogo) until the task that needs it is committed.
		if err := s.lockLogo(ctx, tx, t.LogoHash); errors.Is(err, sql.ErrNoRows) {
			return nil, mvgen.Errorf(mvgen.EConflict, "the key's brand changed while the task was made; send the request again")
		} else if err != nil {
			return nil, fmt.Errorf("locking the task's logo: %w", err)
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO mvgen_task (`+taskColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.KeyID, t.MusicTaskID, t.AudioID, t.MusicIndex, t.CallbackURL, t.Author,
		t.DomainName, t.Aspect, t.Status, t.Progress, t.ErrorCode, t.ErrorMessage, t.RenderKey,
		t.VideoKey, t.WebhookID, s.d.Time(t.CreatedAt), s.d.Time(t.CompletedAt), s.d.Time(t.ExpiresAt),
		t.IdempotencyKey, t.RequestHash, t.Resolution, t.NoLyrics, t.RequestID, t.Dialect, t.Param, t.FPS, t.AccentColor,
		t.FullFrame, t.Captions, t.EmbedCaptions, t.Duration.Milliseconds(), t.Theme, t.LogoHash, len(t.Renditions))
	if err != nil {
		return nil, fmt.Errorf("creating task: %w", err)
	}
	if err := insertRenditions(ctx, tx, t); err != nil {
		return nil, err
	}
	first, err := firstJob(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	if _, err := tx.InsertJobs(ctx, first); err != nil {
		return nil, err
	}
	return t, nil
}

// Task implements store.Store.
func (s *Store) Task(ctx context.Context, keyID, id string) (*mvgen.Task, error) {
	t, n, err := scanTaskCounted(s.db.Read().QueryRow(ctx, `SELECT `+taskColumns+` FROM mvgen_task
		WHERE id = ? AND (? = '' OR key_id = ?)`, id, keyID, keyID))
	if err != nil {
		return nil, notFound(err, mvgen.ErrNotFound)
	}
	if n > 0 {
		if t.Renditions, err = renditions(ctx, s.db.Read(), t.ID); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// SetProgress implements store.Store.
func (s *Store) SetProgress(ctx context.Context, id string, progress int) error {
	_, err := s.db.Write().Exec(ctx, `UPDATE mvgen_task SET progress = ? WHERE id = ? AND status = ?`,
		progress, id, mvgen.StatusPending)
	return err
}

// FinishTask implements store.Store.
func (s *Store) FinishTask(ctx context.Context, id string, r store.Result, follow ...jobs.Job) ([]int64, error) {
	var ids []int64
	err := s.db.InTx(ctx, true, func(tx Tx) error {
		var renderKey, logo string
		err := tx.QueryRow(ctx, `UPDATE mvgen_task SET status = ?, progress = ?, error_code = ?,
			error_message = ?, video_key = ?, completed_at = ?, expires_at = ?, captions = ?, duration_ms = ?
			WHERE id = ? AND status = ? RETURNING render_key, logo_hash`,
			r.Status, r.Progress(), r.ErrorCode, r.ErrorMessage, r.VideoKey, s.d.Time(r.CompletedAt),
			s.d.Time(r.ExpiresAt), r.Captions, r.Duration.Milliseconds(), id, mvgen.StatusPending).Scan(&renderKey, &logo)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotPending
		} else if err != nil {
			return fmt.Errorf("finishing task: %w", err)
		}
		if err := s.dropLogo(ctx, tx, logo); err != nil {
			return err
		}
		if r.VideoKey != "" {
			// Identical renders share one file: record it, keeping the latest
			// expiry of every task that links to it.
			if _, err := tx.Exec(ctx, s.d.UpsertVideo, renderKey, r.VideoKey, s.d.Time(r.CompletedAt),
				s.d.Time(r.ExpiresAt), r.VideoSize, r.Duration.Milliseconds()); err != nil {
				return fmt.Errorf("recording video: %w", err)
			}
		}
		if err := s.finishRenditions(ctx, tx, id, r); err != nil {
			return err
		}
		ids, err = tx.InsertJobs(ctx, follow...)
		return err
	})
	return ids, err
}

// Redeliver implements store.Store.
func (s *Store) Redeliver(ctx context.Context, id string, maxDeliveries int, job func(delivery int) jobs.Job) (int, int64, error) {
	var delivery int
	var jobID int64
	err := s.db.InTx(ctx, true, func(tx Tx) error {
		err := tx.QueryRow(ctx, `UPDATE mvgen_task SET deliveries = deliveries + 1
			WHERE id = ? AND (? <= 0 OR deliveries < ?) RETURNING deliveries`, id, maxDeliveries, maxDeliveries).Scan(&delivery)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := tx.QueryRow(ctx, `SELECT deliveries FROM mvgen_task WHERE id = ?`, id).Scan(&n); err != nil {
				return notFound(err, mvgen.ErrNotFound)
			}
			return store.ErrDeliveryLimit
		} else if err != nil {
			return fmt.Errorf("numbering a redelivery: %w", err)
		}
		ids, err := tx.InsertJobs(ctx, job(delivery))
		if err != nil {
			return err
		}
		jobID = ids[0]
		return nil
	})
	return delivery, jobID, err
}

// CountPending implements store.Store.
func (s *Store) CountPending(ctx context.Context, keyID string) (int, error) {
	var n int
	err := s.db.Read().QueryRow(ctx, `SELECT coalesce(sum(1 + renditions), 0) FROM mvgen_task WHERE key_id = ? AND status = ?`,
		keyID, mvgen.StatusPending).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting pending tasks: %w", err)
	}
	return n, nil
}

// SetStatus implements store.Store.
func (s *Store) SetStatus(ctx context.Context, id string, from, to mvgen.Status) (bool, error) {
	n, err := s.db.Write().Exec(ctx, `UPDATE mvgen_task SET status = ? WHERE id = ? AND status = ?`, to, id, from)
	return n > 0, err
}

const videoColumns = `render_key, blob_key, created_at, expires_at, purged_at, size, duration_ms, start_ms`

func scanVideo(row Row) (*store.Video, error) {
	var v store.Video
	var purged time.Time
	var ms, start int64
	if err := row.Scan(&v.RenderKey, &v.BlobKey, at(&v.CreatedAt), at(&v.ExpiresAt), at(&purged), &v.Size, &ms, &start); err != nil {
		return nil, err
	}
	v.Duration, v.Start = time.Duration(ms)*time.Millisecond, time.Duration(start)*time.Millisecond
	v.Purged = !purged.IsZero()
	return &v, nil
}

// Video implements store.Store.
func (s *Store) Video(ctx context.Context, renderKey string) (*store.Video, error) {
	v, err := scanVideo(s.db.Read().QueryRow(ctx, `SELECT `+videoColumns+` FROM mvgen_video WHERE render_key = ?`, renderKey))
	return v, notFound(err, mvgen.ErrNotFound)
}

// AddAttempt implements store.Store.
func (s *Store) AddAttempt(ctx context.Context, a *mvgen.Attempt) error {
	_, err := s.db.Write().Exec(ctx, `INSERT INTO mvgen_callback_attempt
		(task_id, delivery, attempt, at, duration_us, status_code, error, response, retry_after_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.TaskID, a.Delivery, a.Attempt, s.d.Time(a.At), a.Duration.Microseconds(), a.StatusCode, a.Error, a.Response,
		a.RetryAfter.Milliseconds())
	return err
}

// Attempts implements store.Store.
func (s *Store) Attempts(ctx context.Context, taskID string) ([]*mvgen.Attempt, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT task_id, delivery, attempt, at, duration_us, status_code,
		error, response, retry_after_ms
		FROM mvgen_callback_attempt WHERE task_id = ? ORDER BY at, `+s.d.AttemptSeq, taskID)
	return collect(rows, err, func(row Row) (*mvgen.Attempt, error) {
		var a mvgen.Attempt
		var dur, retryAfter int64
		if err := row.Scan(&a.TaskID, &a.Delivery, &a.Attempt, at(&a.At), &dur, &a.StatusCode, &a.Error, &a.Response,
			&retryAfter); err != nil {
			return nil, err
		}
		a.Duration = time.Duration(dur) * time.Microsecond
		a.RetryAfter = time.Duration(retryAfter) * time.Millisecond
		return &a, nil
	})
}
