package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// Limits are the per-key limits of contract §6.4. The zero value limits
// nothing; internal/server sets mvgen serve's defaults.
type Limits struct {
	// Requests is every authenticated request's token bucket, keyed by API
	// key id: over it, 429 with Retry-After. Its OnLimited hook is where a
	// metric counts refusals by route.
	Requests *limit.Keyed
	// Redeliveries is the bucket of POST /api/v1/mp4/callbacks/redeliver,
	// on top of Requests: each redelivery makes the server POST to a URL
	// of the caller's choosing, up to a schedule's worth of times.
	Redeliveries *limit.Keyed
	// MaxPendingTasks caps a key's unfinished (PENDING) tasks: generate
	// answers 429 at the cap. 0 means no cap.
	MaxPendingTasks int
	// MinUploadRate (bytes per second) and UploadWindow end request bodies
	// that send fewer than MinUploadRate×UploadWindow bytes in a window
	// (408): a client that stops mid-upload holds nothing for longer than
	// UploadWindow. Either 0 turns it off.
	MinUploadRate int64
	UploadWindow  time.Duration
	// MaxStreamsPerKey caps a key's event streams (GET /api/v1/mp4/events)
	// open on this node, and MaxStreams all of them: a stream over either
	// answers 429 with Retry-After, naming the cap. 0 means no cap.
	MaxStreamsPerKey int
	MaxStreams       int
	// StreamLifetime ends an event stream after it (less up to a tenth, so
	// that streams opened together do not reconnect together); the client
	// reconnects and opens with the state of that moment. 0 means none.
	StreamLifetime time.Duration
	// StreamHeartbeat is how often an idle event stream writes a comment,
	// and how often its key is re-read: a revoked key's streams end within
	// one. 0 means 15 seconds.
	StreamHeartbeat time.Duration
	// OnStreamRefused, when set, is called for each stream refused by
	// MaxStreamsPerKey or MaxStreams: the hook for a metric. It must not
	// block (the streams' lock is held).
	OnStreamRefused func()
}

// pendingRetryAfter is the Retry-After of the pending-task cap: about one
// render.
const pendingRetryAfter = 30 * time.Second

// tooMany answers 429 with a Retry-After header and msg.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.FormatInt(limit.RetryAfterSeconds(wait), 10))
	h.error(w, r, mvgen.Errorf(mvgen.ETooMany, "%s", msg))
}

// allowRequest applies key k's request rate; false means it answered 429.
func (h *Handler) allowRequest(w http.ResponseWriter, r *http.Request, k *mvgen.Key) bool {
	ok, wait := h.Limits.Requests.Allow(k.ID, r.Pattern, time.Now())
	if !ok {
		l := h.Limits.Requests
		h.tooMany(w, r, wait, "rate limit exceeded for this API key: at most "+l.Rate.String()+
			" with bursts of "+strconv.Itoa(max(l.Burst, 1))+"; retry after the Retry-After header's seconds")
	}
	return ok
}

// allowRedelivery applies key k's redelivery rate; false means it answered
// 429.
func (h *Handler) allowRedelivery(w http.ResponseWriter, r *http.Request, k *mvgen.Key) bool {
	ok, wait := h.Limits.Redeliveries.Allow(k.ID, r.Pattern, time.Now())
	if !ok {
		l := h.Limits.Redeliveries
		h.tooMany(w, r, wait, "redelivery limit exceeded for this API key: at most "+l.Rate.String()+
			" with bursts of "+strconv.Itoa(max(l.Burst, 1))+"; retry after the Retry-After header's seconds")
	}
	return ok
}

// allowTask applies key k's cap on unfinished tasks to a new task of
// units videos (1 + its renditions: each video is a unit of the cap,
// contract §6.5); false means it answered (429 at the cap, 500 when the
// count failed). A kit larger than the whole cap goes through when the
// key has nothing unfinished, so that no valid request is refused forever.
func (h *Handler) allowTask(w http.ResponseWriter, r *http.Request, k *mvgen.Key, units int) bool {
	if h.Limits.MaxPendingTasks <= 0 {
		return true
	}
	n, err := h.Store.CountPending(r.Context(), k.ID)
	if err != nil {
		h.error(w, r, err)
		return false
	}
	if n >= h.Limits.MaxPendingTasks || (n > 0 && n+units > h.Limits.MaxPendingTasks) {
		msg := "this API key has " + strconv.Itoa(n) + " unfinished tasks, the most allowed (cap " +
			strconv.Itoa(h.Limits.MaxPendingTasks) + "); submit more when some have finished"
		if units > 1 {
			msg = "this API key has " + strconv.Itoa(n) + " unfinished videos (each rendition counts as one), and this request's " +
				strconv.Itoa(units) + " would pass the cap of " + strconv.Itoa(h.Limits.MaxPendingTasks) + "; submit it when some have finished"
		}
		h.tooMany(w, r, pendingRetryAfter, msg)
		return false
	}
	return true
}

// minRate wraps r's body with the minimum upload rate.
func (h *Handler) minRate(w http.ResponseWriter, r *http.Request) {
	r.Body = limit.MinRateBody(w, r, h.Limits.MinUploadRate, h.Limits.UploadWindow)
}

// bodyError is the domain error for a failure to read a request body:
// 413 over a cap, 408 stalled, else 400 naming what was read.
func bodyError(what string, err error) error {
	var tooBig *http.MaxBytesError
	var stalled *limit.StalledError
	switch {
	case errors.As(err, &tooBig):
		return mvgen.Errorf(mvgen.ETooLarge, "%s is over the %s limit", what, sizeText(tooBig.Limit))
	case errors.As(err, &stalled):
		return mvgen.Errorf(mvgen.ETimeout, "%s stalled: %d bytes arrived in the last %v, the minimum is %d (%d bytes/s); the upload was ended",
			what, stalled.Got, stalled.Window, stalled.Want, int64(float64(stalled.Want)/stalled.Window.Seconds()))
	}
	return mvgen.Errorf(mvgen.EBadRequest, "reading %s: %v", what, err)
}

// sizeText writes a byte count as "64 KiB" or "200 MiB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	if n >= 1<<10 {
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
