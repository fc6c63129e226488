package store

import (
	"context"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Catalogue is the part of Store behind listing and removing a key's
// tracks, and the per-key task counts of `mvgen keys list`.
type Catalogue interface {
	// ListTracks lists key keyID's tracks newest first (ties broken by
	// music task id, then audio id, both descending), as q selects,
	// without their Lyrics: the column is not read, and SyncedLyrics and
	// HasLyrics answer from the stored flags.
	ListTracks(ctx context.Context, keyID string, q TrackQuery) ([]*mvgen.Track, error)
	// DeleteTrack removes a track from the catalogue and returns it, so
	// that the caller can delete its uploaded files. A track that a PENDING
	// task needs stays: the error is a *TrackInUseError. Another key's
	// track, or none, is mvgen.ErrNotFound.
	DeleteTrack(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	// TaskCounts counts each key's tasks (every status), by key id; a key
	// without tasks is absent.
	TaskCounts(ctx context.Context) (map[string]int, error)
}

// TrackQuery selects a page of one key's tracks for ListTracks.
type TrackQuery struct {
	// After starts the list after this position (the last track of the
	// previous page); nil starts at the newest track.
	After *TrackCursor
	// Limit is how many tracks at most; 0 means DefaultListLimit.
	Limit int
}

// LimitOrDefault is q's limit with the defaults applied.
func (q TrackQuery) LimitOrDefault() int {
	if q.Limit <= 0 {
		return DefaultListLimit
	}
	return q.Limit
}

// TrackCursor is a position in a key's track list, which is ordered by
// creation time, music task id and audio id, all descending.
type TrackCursor struct {
	CreatedAt   time.Time
	MusicTaskID string
	ID          string
}

// TrackPosition is the position of t in its key's track list.
func TrackPosition(t *mvgen.Track) *TrackCursor {
	return &TrackCursor{CreatedAt: t.CreatedAt, MusicTaskID: t.MusicTaskID, ID: t.ID}
}

// TrackInUseError is DeleteTrack's refusal: a PENDING task still needs the
// track's sources.
type TrackInUseError struct {
	TaskID string // one of the pending tasks
}

func (e *TrackInUseError) Error() string {
	return "store: the track is needed by pending task " + e.TaskID
}
