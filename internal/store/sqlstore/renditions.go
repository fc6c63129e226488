package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// A task's renditions (contract §6.5, migration 017): rows of
// mvgen_rendition beside the task's, written with it, finished with it.

const renditionColumns = `idx, aspect, resolution, full_frame, clip, clip_start_ms, clip_auto, clip_duration_ms,
	render_key, video_key, width, height, start_ms, duration_ms, captions`

// insertRenditions stores t's renditions in tx.
func insertRenditions(ctx context.Context, tx Tx, t *mvgen.Task) error {
	for _, r := range t.Renditions {
		var clip mvgen.Clip
		if r.Clip != nil {
			clip = *r.Clip
		}
		_, err := tx.Exec(ctx, `INSERT INTO mvgen_rendition (task_id, `+renditionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, r.Index, r.Aspect, r.Resolution, r.FullFrame, r.Clip != nil, clip.Start.Milliseconds(), clip.Auto,
			clip.Duration.Milliseconds(), r.RenderKey, r.VideoKey, r.Width, r.Height, r.Start.Milliseconds(),
			r.Duration.Milliseconds(), r.Captions)
		if err != nil {
			return fmt.Errorf("storing rendition %d: %w", r.Index, err)
		}
	}
	return nil
}

// renditions reads task taskID's renditions in order.
func renditions(ctx context.Context, q Querier, taskID string) ([]mvgen.Rendition, error) {
	rows, err := q.Query(ctx, `SELECT `+renditionColumns+` FROM mvgen_rendition WHERE task_id = ? ORDER BY idx`, taskID)
	out, err := collect(rows, err, func(row Row) (mvgen.Rendition, error) {
		var r mvgen.Rendition
		var clip mvgen.Clip
		var isClip bool
		var cs, cd, start, dur int64
		err := row.Scan(&r.Index, &r.Aspect, &r.Resolution, &r.FullFrame, &isClip, &cs, &clip.Auto, &cd,
			&r.RenderKey, &r.VideoKey, &r.Width, &r.Height, &start, &dur, &r.Captions)
		if isClip {
			clip.Start, clip.Duration = time.Duration(cs)*time.Millisecond, time.Duration(cd)*time.Millisecond
			r.Clip = &clip
		}
		r.Start, r.Duration = time.Duration(start)*time.Millisecond, time.Duration(dur)*time.Millisecond
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading renditions: %w", err)
	}
	return out, nil
}

// finishRenditions records, in FinishTask's tx, what a successful result
// made of each rendition, and each video under its render key (for reuse
// and the purge, as the task's own).
func (s *Store) finishRenditions(ctx context.Context, tx Tx, taskID string, r store.Result) error {
	for _, v := range r.Renditions {
		var renderKey string
		err := tx.QueryRow(ctx, `UPDATE mvgen_rendition SET video_key = ?, width = ?, height = ?, start_ms = ?,
			duration_ms = ?, captions = ? WHERE task_id = ? AND idx = ? RETURNING render_key`,
			v.VideoKey, v.Width, v.Height, v.Start.Milliseconds(), v.Duration.Milliseconds(), v.Captions,
			taskID, v.Index).Scan(&renderKey)
		if err != nil {
			return fmt.Errorf("finishing rendition %d: %w", v.Index, err)
		}
		if v.VideoKey == "" {
			continue
		}
		if _, err := tx.Exec(ctx, s.d.UpsertVideo, renderKey, v.VideoKey, s.d.Time(r.CompletedAt),
			s.d.Time(r.ExpiresAt), v.VideoSize, v.Duration.Milliseconds()); err != nil {
			return fmt.Errorf("recording the video of rendition %d: %w", v.Index, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE mvgen_video SET start_ms = ? WHERE render_key = ?`,
			v.Start.Milliseconds(), renderKey); err != nil {
			return fmt.Errorf("recording the video of rendition %d: %w", v.Index, err)
		}
	}
	return nil
}
