package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/server"
)

// storeFlags are the flags every command that opens the database shares.
type storeFlags struct {
	data, db string
}

func (f *storeFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.data, "data", server.DefaultConfig().DataDir, "data directory (SQLite database, files, link key)")
	fs.StringVar(&f.db, "db", "", "database DSN; default SQLite in --data")
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := keyFileFlag(fs)
	var allow multiFlag
	cfg, d := server.Config{}, server.DefaultConfig()
	fs.StringVar(&cfg.Addr, "addr", d.Addr, "listen address")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "base URL of video links (default http://ADDR)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", d.MetricsAddr, "serve GET /metrics on this `HOST:PORT` (never on --addr) to anyone who reaches it, or off for none")
	fs.StringVar(&cfg.Blob, "blob", "", "file storage: s3://BUCKET?endpoint=HOST:PORT&region=R, or a directory (default DATA/files)")
	fs.Var(&allow, "callback-allow-net", "network (CIDR) that callbacks may reach although blocked by default; repeatable (source downloads: --source-allow-net)")
	finishLimits := limitFlags(fs, &cfg.LimitConfig)
	fs.StringVar(&cfg.UpstreamURL, "upstream-url", "", "root URL of an upstream Suno-compatible API where generate looks up tracks the catalogue lacks, with each key's upstream key (e.g. https://api.sunoapi.org); default none")
	fs.IntVar(&cfg.RenderWorkers, "render-workers", d.RenderWorkers, "renders at once")
	fs.IntVar(&cfg.FetchWorkers, "fetch-workers", d.FetchWorkers, "remote sources downloaded at once (apart from renders)")
	fs.DurationVar(&cfg.FetchDeadline, "fetch-deadline", d.FetchDeadline, "longest the download of a task's sources may take; then it fails with 451")
	fs.Int64Var(&cfg.FetchMinRate, "fetch-min-rate", d.FetchMinRate, "a source download slower than this (bytes/s) over --fetch-rate-window is abandoned")
	fs.DurationVar(&cfg.FetchRateWindow, "fetch-rate-window", d.FetchRateWindow, "window over which --fetch-min-rate is measured")
	cfg.SourceRetention = d.SourceRetention
	fs.Var(offDuration(&cfg.SourceRetention), "source-retention", "how long uploaded sources are kept: a `DURATION`, or 0 or off to keep them forever")
	fs.BoolVar(&cfg.APIOnly, "api-only", false, "serve the API only: no render, callback or maintenance workers on this node")
	fs.DurationVar(&cfg.RenderTimeout, "render-timeout", d.RenderTimeout, "longest a render may run")
	fs.DurationVar(&cfg.MaxAudioDuration, "max-audio-duration", d.MaxAudioDuration, "longest source audio accepted")
	fs.Int64Var(&cfg.MaxSourceBytes, "max-source-bytes", d.MaxSourceBytes, "largest source audio accepted, uploaded or downloaded, in bytes")
	fs.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", d.ShutdownGrace, "time running renders, fetches and callback attempts get to finish on SIGTERM")
	fs.DurationVar(&cfg.Retention, "retention", d.Retention, "how long video files are kept")
	fs.BoolVar(&cfg.EpochTimes, "epoch-times", false, "record-info times as epoch milliseconds")
	schedule := fs.String("callback-schedule", formatSchedule(d.CallbackSchedule), "delays before each callback retry, jittered ±20%")
	fs.DurationVar(&cfg.CallbackTimeout, "callback-timeout", d.CallbackTimeout, "how long a receiver has to answer 2xx")
	fs.IntVar(&cfg.CallbackPerDestination, "callback-per-destination", d.CallbackPerDestination, "callback attempts in flight to one host:port")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg.DataDir, cfg.DB = sf.data, sf.db
	var err error
	if cfg.SecretKey, err = secretKey(*keyFile); err != nil {
		return err
	}
	if err := finishLimits(); err != nil {
		return err
	}
	for _, d := range strings.Split(*schedule, ",") {
		v, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil || v <= 0 {
			return fmt.Errorf("--callback-schedule %q: want positive durations separated by commas, such as 5s,5m,30m", *schedule)
		}
		cfg.CallbackSchedule = append(cfg.CallbackSchedule, v)
	}
	for _, cidr := range allow {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return fmt.Errorf("--callback-allow-net %q: want a CIDR such as 127.0.0.0/8: %w", cidr, err)
		}
		cfg.CallbackAllowNets = append(cfg.CallbackAllowNets, p)
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	cfg.Logger = slog.New(h)
	s, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run(ctx)
}

// formatSchedule writes a schedule as --callback-schedule reads it, e.g.
// "5s,5m,30m,2h".
func formatSchedule(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		s := d.String() // "30m0s", "2h0m0s"
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		parts[i] = s
	}
	return strings.Join(parts, ",")
}
