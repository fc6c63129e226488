package sqlstore

import (
	"context"
	"fmt"

	"github.com/mvgen/mvgen/internal/store"
)

// titled scans a task row followed by its track's title.
type titled struct {
	row   Row
	title *string
}

func (t titled) Scan(dest ...any) error { return t.row.Scan(append(dest, t.title)...) }

// ListTasks implements store.Store. The indexes of migration 002 serve both
// the whole list and one status's, and the cursor's row comparison is a
// range of them on both databases.
func (s *Store) ListTasks(ctx context.Context, keyID string, q store.TaskQuery) ([]*store.ListedTask, error) {
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
		args = append(args, s.d.Time(q.CreatedAfter))
	}
	if !q.CreatedBefore.IsZero() {
		query += ` AND created_at < ?`
		args = append(args, s.d.Time(q.CreatedBefore))
	}
	if q.After != nil {
		query += ` AND (created_at, id) < (?, ?)`
		args = append(args, s.d.Time(q.After.CreatedAt), q.After.ID)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, q.LimitOrDefault())
	rows, err := s.db.Read().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing tasks: %w", err)
	}
	out, err := collect(rows, nil, func(row Row) (*store.ListedTask, error) {
		var l store.ListedTask
		var err error
		l.Task, err = scanTask(titled{row, &l.Title})
		return &l, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing tasks: %w", err)
	}
	return out, nil
}
