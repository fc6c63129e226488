package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Upstream looks tracks up on the upstream Suno-compatible API (contract
// §6.1) and stores them in the caller's catalogue (internal/upstream's
// Lookup).
type Upstream interface {
	Import(ctx context.Context, k *mvgen.Key, musicTaskID, audioID string) (*mvgen.Track, error)
}

// retryable is an error that says when to try again (internal/upstream's
// Error when the upstream is unavailable).
type retryable interface {
	error
	RetryAfterDuration() time.Duration
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
