package limit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a token bucket per key (an API key id): each key may make Burst
// requests at once and Rate on average. The zero value limits nothing.
//
// Memory stays bounded by the keys active recently: a bucket untouched for
// the time it takes to refill completely is full, the same as a new one, so
// it is dropped; the sweep runs when the number of buckets has doubled
// since the last one, or at most once a minute otherwise.
type Keyed struct {
	// Rate is the average rate allowed to one key; zero or Off limits
	// nothing.
	Rate Rate
	// Burst is how many requests a key may make at once; values below 1
	// count as 1.
	Burst int
	// OnLimited, when set, is called with the route of every request
	// refused (for a metric); it must not block.
	OnLimited func(route string)

	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep int
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Allow takes one token from key's bucket at now. When the bucket is empty
// it takes nothing and returns false with how long until a token is due.
// route is passed to OnLimited.
func (k *Keyed) Allow(key, route string, now time.Time) (ok bool, retryAfter time.Duration) {
	if k == nil || k.Rate.IsZero() || k.Rate.IsOff() {
		return true, 0
	}
	k.mu.Lock()
	b := k.bucket(key, now)
	r := b.lim.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if !r.OK() {
		delay = math.MaxInt64
	} else if delay > 0 {
		r.CancelAt(now)
	}
	k.mu.Unlock()
	if delay > 0 {
		if k.OnLimited != nil {
			k.OnLimited(route)
		}
		return false, delay
	}
	return true, 0
}

// Len is the number of buckets held (for tests and metrics).
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// bucket returns key's bucket, creating it; k.mu is held.
func (k *Keyed) bucket(key string, now time.Time) *bucket {
	if k.buckets == nil {
		k.buckets, k.nextSweep, k.lastSweep = map[string]*bucket{}, 64, now
	}
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= k.nextSweep || now.Sub(k.lastSweep) > time.Minute {
			k.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(k.Rate.Limit(), max(k.Burst, 1))}
		k.buckets[key] = b
	}
	b.seen = now
	return b
}

// sweep drops the buckets that have refilled completely; k.mu is held.
func (k *Keyed) sweep(now time.Time) {
	full := k.refill()
	for key, b := range k.buckets {
		if now.Sub(b.seen) >= full {
			delete(k.buckets, key)
		}
	}
	k.nextSweep, k.lastSweep = max(64, 2*len(k.buckets)), now
}

// refill is how long an empty bucket takes to fill up.
func (k *Keyed) refill() time.Duration {
	perSecond := float64(k.Rate.Limit())
	if perSecond <= 0 {
		return math.MaxInt64
	}
	return time.Duration(float64(max(k.Burst, 1)) / perSecond * float64(time.Second))
}

// RetryAfterSeconds is d as a Retry-After value: whole seconds, rounded up,
// at least 1.
func RetryAfterSeconds(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	return max(s, 1)
}
