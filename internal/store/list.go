package store

import (
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// DefaultListLimit is how many tasks ListTasks returns when the query sets no
// limit.
const DefaultListLimit = 20

// TaskQuery selects some of one key's tasks for ListTasks, newest first.
type TaskQuery struct {
	// Status keeps only tasks in this status; "" keeps every status.
	Status mvgen.Status
	// After starts the list after this position (the last task of the
	// previous page); nil starts at the newest task.
	After *TaskCursor
	// Limit is how many tasks at most; 0 means DefaultListLimit.
	Limit int
	// CreatedAfter keeps tasks created after it; zero keeps all.
	CreatedAfter time.Time
	// CreatedBefore keeps tasks created before it; zero keeps all.
	CreatedBefore time.Time
}

// TaskCursor is a position in a key's task list, which is ordered by
// creation time and then id, both descending.
type TaskCursor struct {
	CreatedAt time.Time
	ID        string
}

// Cursor is the position of t in its key's task list.
func Cursor(t *mvgen.Task) *TaskCursor { return &TaskCursor{CreatedAt: t.CreatedAt, ID: t.ID} }

// LimitOrDefault is q's limit with the defaults applied.
func (q TaskQuery) LimitOrDefault() int {
	if q.Limit <= 0 {
		return DefaultListLimit
	}
	return q.Limit
}

// ListedTask is a task as lists show it: with its source track's title
// ("" when the track is not in the catalogue).
type ListedTask struct {
	*mvgen.Task
	Title string
}
