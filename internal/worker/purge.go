package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/task"
)

// Purger is what the purge reads and writes.
type Purger interface {
	PurgeVideos(ctx context.Context, cutoff time.Time, limit int) ([]*store.Video, error)
}

// Purge is the periodic retention job: it deletes video files whose last
// link expired more than Retention-LinkValidity ago.
type Purge struct {
	Store Purger
	Blobs blob.Store
	// Retention is how long a file is kept after its task completed (15 days
	// by default); LinkValidity how long its link is valid (14 days).
	Retention, LinkValidity time.Duration
	Logger                  *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Work is the queue's worker for the periodic purge.
func (w *Purge) Work(ctx context.Context) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	// A video's ExpiresAt is completion+LinkValidity of its latest task.
	cutoff := now.Add(-(w.Retention - w.LinkValidity))
	for {
		videos, err := w.Store.PurgeVideos(ctx, cutoff, 100)
		if err != nil {
			return fmt.Errorf("purging videos: %w", err)
		}
		for _, v := range videos {
			// The video and its poster (issue 13; none for videos made before).
			for _, key := range []string{v.BlobKey, task.PosterKey(v.BlobKey)} {
				if err := w.Blobs.Delete(ctx, key); err != nil {
					return fmt.Errorf("deleting %s: %w", key, err)
				}
			}
			w.Logger.Info("purged video after retention", "video", v.BlobKey, "linkExpired", v.ExpiresAt)
		}
		if len(videos) < 100 {
			return nil
		}
	}
}
