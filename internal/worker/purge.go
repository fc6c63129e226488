package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// Purger is what the purge reads and writes.
type Purger interface {
	ExpiredVideos(ctx context.Context, cutoff time.Time, limit int) ([]*store.Video, error)
	MarkPurged(ctx context.Context, v *store.Video, cutoff time.Time) (bool, error)
	DoneFetches(ctx context.Context, limit int) ([]*store.Fetched, error)
	ForgetFetch(ctx context.Context, taskID string) error
	PurgeSources(ctx context.Context, cutoff time.Time, limit int) ([]*mvgen.Track, error)
	SourcesDeleted(ctx context.Context, t *mvgen.Track) error
}

// purgeBatch is how many rows the purge takes at a time.
const purgeBatch = 100

// Purge is the periodic retention job. It deletes video files whose last
// link expired more than Retention-LinkValidity ago, the sources fetch jobs
// stored for tasks that have ended, and uploaded sources older than
// SourceRetention that no pending task needs.
//
// A video's file is deleted before its row is marked purged, and the mark
// only takes a row that still names that file and is still expired: every
// task renders to a file of its own (videos/RENDERKEY-TASK.mp4), so a
// re-render committed meanwhile keeps its new file and its row, and a delete
// that fails leaves the row unmarked for the next run.
type Purge struct {
	Store Purger
	Blobs blob.Store
	// Retention is how long a file is kept after its task completed (15 days
	// by default); LinkValidity how long its link is valid (14 days).
	Retention, LinkValidity time.Duration
	// SourceRetention is how long uploaded sources are kept after upload;
	// 0 keeps them forever.
	SourceRetention time.Duration
	Logger          *slog.Logger
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
	return errors.Join(
		w.videos(ctx, now.Add(-(w.Retention-w.LinkValidity))),
		w.fetched(ctx),
		w.sources(ctx, now),
	)
}

func (w *Purge) videos(ctx context.Context, cutoff time.Time) error {
	for {
		videos, err := w.Store.ExpiredVideos(ctx, cutoff, purgeBatch)
		if err != nil {
			return fmt.Errorf("purging videos: %w", err)
		}
		var errs []error
		for _, v := range videos {
			// The video, then its poster (issue 13) and captions (issue
			// 20; none for videos made before): written first, deleted last.
			if err := deleteAll(ctx, w.Blobs, videoFiles(v.BlobKey)...); err != nil {
				errs = append(errs, err)
				continue // the row stays unmarked: the next run tries again
			}
			if _, err := w.Store.MarkPurged(ctx, v, cutoff); err != nil {
				errs = append(errs, err)
				continue
			}
			w.Logger.Info("purged video after retention", "video", v.BlobKey, "linkExpired", v.ExpiresAt)
		}
		// After a failure the same rows would come back: stop until the
		// next run.
		if len(errs) > 0 || len(videos) < purgeBatch {
			return errors.Join(errs...)
		}
	}
}

// fetched deletes the sources fetch jobs stored for tasks that have ended
// (the render deletes them itself; these are left by a crash or a failure).
func (w *Purge) fetched(ctx context.Context) error {
	for {
		done, err := w.Store.DoneFetches(ctx, purgeBatch)
		if err != nil {
			return fmt.Errorf("purging fetched sources: %w", err)
		}
		var errs []error
		for _, f := range done {
			if err := dropFetched(ctx, w.Blobs, w.Store, f, w.Logger); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 || len(done) < purgeBatch {
			return errors.Join(errs...)
		}
	}
}

// sources deletes uploaded sources past SourceRetention. PurgeSources marks
// them first, so no new render starts on them, and lists marked tracks
// until SourcesDeleted, so a failed delete is tried again.
func (w *Purge) sources(ctx context.Context, now time.Time) error {
	if w.SourceRetention <= 0 {
		return nil
	}
	for {
		tracks, err := w.Store.PurgeSources(ctx, now.Add(-w.SourceRetention), purgeBatch)
		if err != nil {
			return fmt.Errorf("purging sources: %w", err)
		}
		var errs []error
	tracks:
		for _, tr := range tracks {
			for _, key := range []string{tr.AudioKey, tr.CoverKey} {
				if key == "" {
					continue
				}
				if err := w.Blobs.Delete(ctx, key); err != nil {
					errs = append(errs, fmt.Errorf("deleting %s: %w", key, err))
					continue tracks
				}
			}
			if err := w.Store.SourcesDeleted(ctx, tr); err != nil {
				errs = append(errs, err)
				continue
			}
			w.Logger.Info("purged sources after retention", "musicTask", tr.MusicTaskID, "audio", tr.ID)
		}
		if len(errs) > 0 || len(tracks) < purgeBatch {
			return errors.Join(errs...)
		}
	}
}

// deleteAll deletes the objects at keys, stopping at the first failure.
func deleteAll(ctx context.Context, blobs blob.Store, keys ...string) error {
	for _, key := range keys {
		if err := blobs.Delete(ctx, key); err != nil {
			return fmt.Errorf("deleting %s: %w", key, err)
		}
	}
	return nil
}
