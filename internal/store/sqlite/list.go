package sqlite

import (
	"context"
	"fmt"

	"github.com/mvgen/mvgen/internal/store"
)

// titled scans a task row followed by its track's title.
type titled struct {
	row   scanner
	title *string
}

func (t titled) Scan(dest ...any) error { return t.row.Scan(append(dest, t.title)...) }

// ListTasks implements store.Store. The indexes of migration 002 serve both
// the whole list and one status's.
func (d *Store) ListTasks(ctx context.Context, keyID string, q store.TaskQuery) ([]*store.ListedTask, error) {
	query := `SELECT ` + taskColumns + `, coalesce((SELECT title FROM mvgen_track tr
			WHERE tr.key_id = mvgen_task.key_id AND tr.music_task_id = mvgen_task.music_task_id
				AND tr.id = mvgen_task.audio_id), '')
		FROM mvgen_task WHERE key_id = ?`
	args := []any{keyID}
	if q.Status != "" {
		query += ` AND status = ?`
		args = append(args, q.Status)
	}
	if !q.CreatedAfter.IsZero() {
		query += ` AND created_at > ?`
		args = append(args, ms(q.CreatedAfter))
	}
	if !q.CreatedBefore.IsZero() {
		query += ` AND created_at < ?`
		args = append(args, ms(q.CreatedBefore))
	}
	if q.After != nil {
		query += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		at := ms(q.After.CreatedAt)
		args = append(args, at, at, q.After.ID)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, q.LimitOrDefault())
	rows, err := d.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing tasks: %w", err)
	}
	defer rows.Close()
	var out []*store.ListedTask
	for rows.Next() {
		var l store.ListedTask
		if l.Task, err = scanTask(titled{rows, &l.Title}); err != nil {
			return nil, fmt.Errorf("listing tasks: %w", err)
		}
		out = append(out, &l)
	}
	return out, rows.Err()
}
