package main

import (
	"flag"
	"fmt"
	"net/netip"

	"github.com/mvgen/mvgen/internal/server"
)

// limitFlags registers mvgen serve's per-key limit flags and
// --source-allow-net into l (set to the defaults first); the returned func,
// called after parsing, finishes what flags cannot say directly.
func limitFlags(fs *flag.FlagSet, l *server.LimitConfig) (finish func() error) {
	*l = server.DefaultConfig().LimitConfig
	var sources multiFlag
	fs.Var(&sources, "source-allow-net", "network (CIDR) that source downloads (audioUrl, imageUrl) may reach although blocked by default; repeatable")
	fs.Var(&l.RateLimit, "rate-limit", "each API key's request rate: N/s, N/m or N/h, or off")
	fs.IntVar(&l.RateBurst, "rate-burst", l.RateBurst, "requests an API key may make at once")
	fs.Var(offInt(&l.MaxPendingTasks), "max-pending-tasks", "unfinished tasks an API key may have: `N`, or 0 or off for no cap")
	fs.Var(offInt(&l.MaxRedeliveries), "max-redeliveries", "redeliveries of one task's callback: `N`, or 0 or off for no cap")
	fs.Var(&l.RedeliverRate, "redeliver-rate", "each API key's redelivery requests: N/s, N/m or N/h, or off")
	fs.IntVar(&l.RedeliverBurst, "redeliver-burst", l.RedeliverBurst, "redeliveries an API key may request at once")
	fs.Var(offInt64(&l.MinUploadRate), "min-upload-rate", "slowest request body accepted, in `BYTES` per second over --upload-window, or 0 or off for no minimum")
	fs.DurationVar(&l.UploadWindow, "upload-window", l.UploadWindow, "window of --min-upload-rate: a body that stops sending is ended after this")
	fs.Var(offInt(&l.MaxConns), "max-conns", "open HTTP connections in all (more are answered 503 and closed): `N`, or 0 or off for no cap; default 4096 or 3/4 of ulimit -n")
	fs.Var(offInt(&l.MaxConnsPerAddr), "max-conns-per-addr", "open HTTP connections from one client IP: `N`, or 0 or off for no cap (behind a proxy, allow its pool)")
	fs.Var(offInt(&l.MaxStreamsPerKey), "max-streams-per-key", "event streams (GET /api/v1/mp4/events) an API key may hold open on this node, more answer 429: `N`, or 0 or off for no cap")
	fs.Var(offInt(&l.MaxStreams), "max-streams", "event streams open on this node in all, more answer 429: `N`, or 0 or off for no cap")
	fs.Var(offDuration(&l.StreamLifetime), "stream-lifetime", "an event stream ends after this and its client reconnects: a `DURATION`, or 0 or off for none")
	fs.DurationVar(&l.StreamHeartbeat, "stream-heartbeat", l.StreamHeartbeat, "how often an idle event stream sends a heartbeat and re-reads its key (a revoked key's streams end within one)")
	return func() error {
		for _, cidr := range sources {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				return fmt.Errorf("--source-allow-net %q: want a CIDR such as 10.0.0.0/8: %w", cidr, err)
			}
			l.SourceAllowNets = append(l.SourceAllowNets, p)
		}
		return nil
	}
}
