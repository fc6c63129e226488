package server

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/metrics"
)

// Defaults of the per-key limits (contract §6.4; docs/API.md "Limits").
var (
	DefaultRateLimit     = limit.Rate{Events: 10, Per: time.Second}
	DefaultRedeliverRate = limit.Rate{Events: 60, Per: time.Hour}
)

// Defaults of the per-key limits that are numbers.
const (
	DefaultRateBurst       = 20
	DefaultRedeliverBurst  = 20
	DefaultMaxPendingTasks = 100
	DefaultMinUploadRate   = 16 << 10 // bytes per second
	DefaultUploadWindow    = 30 * time.Second
	// DefaultMaxConns caps open client connections in all; it is lowered to
	// three quarters of the process's open-file limit when that is smaller
	// (renders, the database and callbacks need descriptors too).
	DefaultMaxConns        = 4096
	DefaultMaxConnsPerAddr = 256
	// The event streams' bounds (GET /api/v1/mp4/events; issue 19): a
	// dashboard tab holds one stream, so 10 a key is ten tabs; 500 a node,
	// over 50 keys, held at 3–4% of a core and RSS 33 → 65 MB in the fault
	// suite's flood (TestFaultEventStreamFlood at full size), where 300
	// unbounded streams of one key took 74–85% of a core before. A stream
	// ends after DefaultStreamLifetime and the client reconnects; a revoked
	// key's streams end within DefaultStreamHeartbeat.
	DefaultMaxStreamsPerKey = 10
	DefaultMaxStreams       = 500
	DefaultStreamLifetime   = 10 * time.Minute
	DefaultStreamHeartbeat  = 15 * time.Second
)

// LimitConfig is the part of Config that limits what one API key can make
// the service do (contract §6.4). Each field's zero value is its default;
// Off (limit.Off for a rate) turns off the limits that say so.
type LimitConfig struct {
	// SourceAllowNets opens blocked address classes to source downloads
	// (a track's audioUrl and imageUrl, fetched at render time) for every
	// key. Callbacks have their own list, CallbackAllowNets. Default none.
	SourceAllowNets []netip.Prefix
	// RateLimit is each API key's request rate over every authenticated
	// endpoint, a token bucket: over it, 429 with Retry-After. Default
	// 10/s; limit.Off for none.
	RateLimit limit.Rate
	// RateBurst is how many requests a key may make at once. Default 20.
	RateBurst int
	// MaxPendingTasks caps a key's unfinished (PENDING) tasks: generate
	// answers 429 at the cap. Default 100; Off (any negative value) for
	// no cap.
	MaxPendingTasks int
	// MaxRedeliveries caps the redeliveries of one task's callback (422
	// past it). Default 5; Off (any negative value) for no cap.
	MaxRedeliveries int
	// RedeliverRate and RedeliverBurst are each key's token bucket for
	// redelivery requests (429 over it). Default 60/h with bursts of 20;
	// limit.Off for none.
	RedeliverRate  limit.Rate
	RedeliverBurst int
	// MinUploadRate (bytes per second) ends a request body that sends less
	// than MinUploadRate×UploadWindow bytes within a window (408), so a
	// client that stops sending mid-upload holds its connection and storage
	// buffer for at most UploadWindow. Default 16 KiB/s over 30 s;
	// MinUploadRate Off (any negative value) turns it off.
	MinUploadRate int64
	UploadWindow  time.Duration
	// MaxConns caps the open connections of the HTTP listener, and
	// MaxConnsPerAddr those from one client IP: a connection over a cap is
	// answered 503 with Retry-After: 1 and closed, so one client's flood
	// cannot take the descriptors everyone else needs. Defaults
	// DefaultMaxConns (or 3/4 of the open-file limit if lower) and
	// DefaultMaxConnsPerAddr; Off (any negative value) for no cap. Behind a
	// reverse proxy every connection has the proxy's address: allow its
	// pool.
	MaxConns        int
	MaxConnsPerAddr int
	// MaxStreamsPerKey caps a key's event streams (GET
	// /api/v1/mp4/events) open on a node, and MaxStreams all of the node's:
	// one more answers 429 with Retry-After. Defaults
	// DefaultMaxStreamsPerKey and DefaultMaxStreams; Off (any negative
	// value) for no cap.
	MaxStreamsPerKey int
	MaxStreams       int
	// StreamLifetime ends an event stream after it (less up to a tenth);
	// the client reconnects to the state of that moment. Default
	// DefaultStreamLifetime; Off (any negative value) for none.
	StreamLifetime time.Duration
	// StreamHeartbeat is how often an idle event stream writes a comment
	// (keep it under the idle timeout of any proxy in front) and its key is
	// re-read: a revoked key's streams end within one. Default
	// DefaultStreamHeartbeat.
	StreamHeartbeat time.Duration
	// OnRateLimited, when set, is called with the route pattern (e.g.
	// "POST /api/v1/mp4/generate") of every request refused by a rate
	// limit: the hook for a metric. It must not block.
	OnRateLimited func(route string)
}

// withLimitDefaults returns c with every zero limit set to its default.
func (c LimitConfig) withLimitDefaults() LimitConfig {
	if c.RateLimit.IsZero() {
		c.RateLimit = DefaultRateLimit
	}
	if c.RedeliverRate.IsZero() {
		c.RedeliverRate = DefaultRedeliverRate
	}
	for _, n := range []struct {
		v   *int
		def int
	}{{&c.RateBurst, DefaultRateBurst}, {&c.RedeliverBurst, DefaultRedeliverBurst},
		{&c.MaxPendingTasks, DefaultMaxPendingTasks}, {&c.MaxRedeliveries, delivery.DefaultMaxRedeliveries},
		{&c.MaxConns, defaultMaxConns()}, {&c.MaxConnsPerAddr, DefaultMaxConnsPerAddr},
		{&c.MaxStreamsPerKey, DefaultMaxStreamsPerKey}, {&c.MaxStreams, DefaultMaxStreams}} {
		if *n.v == 0 {
			*n.v = n.def
		}
	}
	if c.MinUploadRate == 0 {
		c.MinUploadRate = DefaultMinUploadRate
	}
	if c.UploadWindow == 0 {
		c.UploadWindow = DefaultUploadWindow
	}
	if c.StreamLifetime == 0 {
		c.StreamLifetime = DefaultStreamLifetime
	}
	if c.StreamHeartbeat == 0 {
		c.StreamHeartbeat = DefaultStreamHeartbeat
	}
	return c
}

// validateLimits reports the limits that cannot work, naming their flags.
func (c LimitConfig) validateLimits() []error {
	var errs []error
	for _, r := range []struct {
		flag string
		v    limit.Rate
	}{{"--rate-limit", c.RateLimit}, {"--redeliver-rate", c.RedeliverRate}} {
		if !r.v.IsZero() && !r.v.IsOff() && (r.v.Events <= 0 || r.v.Per <= 0) {
			errs = append(errs, fmt.Errorf("%s must be N/s, N/m or N/h with N positive, or off; got %v", r.flag, r.v))
		}
	}
	for _, n := range []struct {
		flag string
		v    int
	}{{"--rate-burst", c.RateBurst}, {"--redeliver-burst", c.RedeliverBurst}} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", n.flag, n.v))
		}
	}
	if c.UploadWindow < 0 {
		errs = append(errs, fmt.Errorf("--upload-window must be positive, got %v", c.UploadWindow))
	}
	if c.StreamHeartbeat < 0 {
		errs = append(errs, fmt.Errorf("--stream-heartbeat must be positive, got %v", c.StreamHeartbeat))
	}
	return errs
}

// apiLimits builds the API's limits from c (defaults applied); a refusal
// is counted in m (mvgen_rate_limited_requests_total{limit}) and reported
// to OnRateLimited.
func (c LimitConfig) apiLimits(m *metrics.Metrics) api.Limits {
	on := func(name string) func(route string) {
		return func(route string) {
			m.RateLimited(name) // nil-safe
			if c.OnRateLimited != nil {
				c.OnRateLimited(route)
			}
		}
	}
	l := api.Limits{
		Requests:     &limit.Keyed{Rate: c.RateLimit, Burst: c.RateBurst, OnLimited: on("requests")},
		Redeliveries: &limit.Keyed{Rate: c.RedeliverRate, Burst: c.RedeliverBurst, OnLimited: on("redeliveries")},
	}
	if c.MaxPendingTasks > 0 {
		l.MaxPendingTasks = c.MaxPendingTasks
	}
	if c.MinUploadRate > 0 {
		l.MinUploadRate, l.UploadWindow = c.MinUploadRate, c.UploadWindow
	}
	l.MaxStreamsPerKey, l.MaxStreams = max(0, c.MaxStreamsPerKey), max(0, c.MaxStreams)
	l.StreamLifetime, l.StreamHeartbeat = max(0, c.StreamLifetime), c.StreamHeartbeat
	streams := on("streams")
	l.OnStreamRefused = func() { streams("GET /api/v1/mp4/events") }
	return l
}
