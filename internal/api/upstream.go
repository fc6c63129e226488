package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/task"
)

// Upstream looks tracks up on the upstream Suno-compatible API (contract
// §6.1) and stores them in the caller's catalogue (internal/upstream's
// Lookup).
type Upstream interface {
	Import(ctx context.Context, k *task.Key, musicTaskID, audioID string) (*task.Track, error)
}

// retryable is an error that says when to try again (internal/upstream's
// Error when the upstream is unavailable).
type retryable interface {
	error
	RetryAfterDuration() time.Duration
}

// track resolves generate's track: the caller's catalogue, else the
// upstream when one is configured and the key carries an upstream key.
func (h *Handler) track(ctx context.Context, k *task.Key, musicTaskID, audioID string) (*task.Track, error) {
	tr, err := h.Store.Track(ctx, k.ID, musicTaskID, audioID)
	if !errors.Is(err, task.ErrNotFound) {
		return tr, err
	}
	if h.Upstream == nil || k.UpstreamKey == "" {
		return nil, task.Errorf(task.ENotFound, "no track with audioId %q in taskId %q (register it with POST /api/v1/tracks)", audioID, musicTaskID)
	}
	return h.Upstream.Import(ctx, k, musicTaskID, audioID)
}

// setRetryAfter sets Retry-After on an answer to an error that says when to
// retry.
func setRetryAfter(w http.ResponseWriter, err error) {
	var r retryable
	if errors.As(err, &r) {
		if d := r.RetryAfterDuration(); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		}
	}
}
