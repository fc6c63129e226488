package store

import (
	"context"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Fetched is what a task's fetch job downloaded into the blob store: the
// render reads these instead of the track's URLs.
type Fetched struct {
	TaskID    string
	AudioKey  string // "" when an identical render can be reused
	CoverKey  string // "" without a cover (none, or its download failed)
	FetchedAt time.Time
}

// Fetches is the part of Store behind the fetch stage and the retention of
// uploaded sources.
//
// CreateTask queues a fetch job instead of the render when the task's track
// has remote sources (an audio URL, or a cover URL without an uploaded
// cover); RecordFetch then records the downloaded files and queues the
// render in one transaction.
type Fetches interface {
	// RecordFetch records f and queues the task's render in one
	// transaction; ErrNotPending if the task has already ended.
	RecordFetch(ctx context.Context, f *Fetched) error
	// Fetched returns what the task's fetch job downloaded;
	// mvgen.ErrNotFound if it has not (yet).
	Fetched(ctx context.Context, taskID string) (*Fetched, error)
	// DoneFetches lists downloaded sources of tasks that have ended, whose
	// files the purge deletes before ForgetFetch.
	DoneFetches(ctx context.Context, limit int) ([]*Fetched, error)
	// ForgetFetch deletes the record of a task's downloaded sources.
	ForgetFetch(ctx context.Context, taskID string) error

	// PurgeSources marks the uploaded tracks created before cutoff whose
	// sources no pending task needs, and returns every marked track whose
	// files are not deleted yet (including those of an earlier run whose
	// deletion failed). A marked track is never rendered again.
	PurgeSources(ctx context.Context, cutoff time.Time, limit int) ([]*mvgen.Track, error)
	// SourcesDeleted records that a marked track's files are gone.
	SourcesDeleted(ctx context.Context, t *mvgen.Track) error
}
