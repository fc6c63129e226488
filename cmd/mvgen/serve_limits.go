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
	fs.IntVar(&l.MaxPendingTasks, "max-pending-tasks", l.MaxPendingTasks, "unfinished tasks an API key may have (0: no cap)")
	fs.IntVar(&l.MaxRedeliveries, "max-redeliveries", l.MaxRedeliveries, "redeliveries of one task's callback (0: no cap)")
	fs.Var(&l.RedeliverRate, "redeliver-rate", "each API key's redelivery requests: N/s, N/m or N/h, or off")
	fs.IntVar(&l.RedeliverBurst, "redeliver-burst", l.RedeliverBurst, "redeliveries an API key may request at once")
	fs.Int64Var(&l.MinUploadRate, "min-upload-rate", l.MinUploadRate, "slowest request body accepted, in bytes per second over --upload-window (0: off)")
	fs.DurationVar(&l.UploadWindow, "upload-window", l.UploadWindow, "window of --min-upload-rate: a body that stops sending is ended after this")
	return func() error {
		for _, cidr := range sources {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				return fmt.Errorf("--source-allow-net %q: want a CIDR such as 10.0.0.0/8: %w", cidr, err)
			}
			l.SourceAllowNets = append(l.SourceAllowNets, p)
		}
		// On the command line 0 turns a cap off; in server.Config 0 is
		// the default and a negative value is off.
		for _, v := range []*int{&l.MaxPendingTasks, &l.MaxRedeliveries} {
			if *v == 0 {
				*v = -1
			}
		}
		if l.MinUploadRate == 0 {
			l.MinUploadRate = -1
		}
		return nil
	}
}
