package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/worker"
)

// Config is everything `mvgen serve` can be told. The zero value is a
// working single-machine service; each field documents its default.
// A field's 0 is its default, so a setting that can be turned off is
// turned off with [Off].
type Config struct {
	// DataDir holds the SQLite database, stored files and render scratch.
	// Default "./mvgen-data".
	DataDir string
	// Addr is the listen address. Default "127.0.0.1:8080"; port 0 picks one.
	Addr string
	// PublicURL is the base of video links. Default "http://" + the address
	// actually listened on.
	PublicURL string
	// DB is the database: "" (or "sqlite:PATH") is SQLite under DataDir;
	// "postgres://…" is PostgreSQL, which several nodes can share.
	DB string
	// Blob is where files live: "" is DataDir/files, "file:DIR" or "/DIR" a
	// directory, "s3://BUCKET?endpoint=HOST:PORT&region=R" S3-compatible
	// object storage (credentials from the AWS environment variables).
	Blob string
	// MetricsAddr is the listener of GET /metrics, apart from Addr (whose
	// /metrics answers 404), serving anyone who can reach it. Default
	// DefaultMetricsAddr, on loopback; MetricsOff ("off") serves no
	// metrics. Port 0 picks one (Server.MetricsURL tells which).
	MetricsAddr string
	// CallbackAllowNets opens blocked address classes to callbacks
	// (contract §5.4), e.g. 127.0.0.0/8 for development; source downloads
	// have their own list (LimitConfig.SourceAllowNets).
	CallbackAllowNets []netip.Prefix
	// LimitConfig holds the per-key limits and the source networks
	// (limits.go).
	LimitConfig

	// UpstreamURL is the root of an upstream Suno-compatible API (e.g.
	// "https://api.sunoapi.org") where generate looks up tracks a key's
	// catalogue lacks, with that key's upstream key (contract §6.1). Default
	// "": no upstream. It is trusted configuration: lookups are not held to
	// the address rules (the audio they find is).
	UpstreamURL string

	// APIOnly runs the HTTP API without render, callback and maintenance
	// workers: a node that only takes requests, beside nodes that work.
	APIOnly bool
	// RenderWorkers is how many renders run at once. Default 1: one render
	// already runs an encoder on every core.
	RenderWorkers int
	// RenderTimeout is the longest one render may run. Default 30 minutes
	// (a 15-minute track at half real time). River's job timeout is set to
	// it and its stuck-job rescue to RenderTimeout+5m.
	RenderTimeout time.Duration
	// FetchWorkers is how many remote sources download at once, apart from
	// renders (worker.Fetch). Default 4.
	FetchWorkers int
	// FetchDeadline bounds the download of a task's remote audio and cover,
	// every try included; past it the task fails with 451. Default 5m.
	FetchDeadline time.Duration
	// FetchMinRate (bytes/s) and FetchRateWindow: a download receiving less
	// than FetchMinRate×FetchRateWindow in any window, waiting for the
	// answer included, is abandoned. Defaults 10 KiB/s over 20s.
	FetchMinRate    int64
	FetchRateWindow time.Duration
	// SourceRetention is how long uploaded sources are kept; the purge
	// deletes older ones that no pending task needs. Default 30 days; Off
	// (any negative value) keeps them forever.
	SourceRetention time.Duration
	// MaxAudioDuration refuses longer sources (400). Default 15 minutes.
	MaxAudioDuration time.Duration
	// MaxSourceBytes caps uploaded and downloaded audio. Default 200 MiB.
	MaxSourceBytes int64
	// CallbackSchedule is the delay before each callback retry. Default
	// delivery.DefaultSchedule (5s, 5m, 30m, 2h, 5h, 10h, 10h).
	CallbackSchedule []time.Duration
	// CallbackTimeout is how long a receiver has to answer. Default 15s.
	CallbackTimeout time.Duration
	// CallbackPerDestination caps concurrent callback attempts to one
	// host:port per process. Default 4.
	CallbackPerDestination int
	// LinkValidity is how long video links are valid. Default 14 days.
	LinkValidity time.Duration
	// Retention is how long video files are kept. Default 15 days.
	Retention time.Duration
	// PurgeInterval is how often expired files are deleted. Default 1 hour.
	PurgeInterval time.Duration
	// ShutdownGrace is how long running renders, source fetches and
	// callback attempts may finish after SIGTERM before they are
	// interrupted and requeued. Default 60s.
	ShutdownGrace time.Duration
	// EpochTimes makes record-info give epoch milliseconds.
	EpochTimes bool
	// LinkKey signs video links; nil means a key kept in the database,
	// created on first start and shared by every node.
	LinkKey []byte
	// SecretKey is the operator key that seals the secrets the database
	// keeps: every API key's webhook secrets and upstream key, and the
	// link key (internal/seal, store/secrets.go). With it, Open seals those
	// stored in plain text, and refuses to start when one is sealed with
	// another key. Default nil: secrets are stored in plain text, and Open
	// logs a warning saying so (and refuses to start if one is sealed).
	// Give it only once every node sharing the database runs a version
	// that knows sealing: an older one would use a sealed value as it is.
	SecretKey *seal.Key
	// FFmpeg and FFprobe are the binaries; "" looks them up in PATH. A
	// node that renders refuses to start without them.
	FFmpeg, FFprobe string
	// Logger receives the service's logs; nil means discard.
	Logger *slog.Logger
}

// Off turns off a setting of Config (or LimitConfig) whose comment says
// so: no cap, no minimum rate, sources kept forever. Any negative value
// means the same. It is not 0 because 0 is every field's default (the
// zero Config works); mvgen serve's flags write Off for "off", 0 and
// negative values alike. Rates have their own off, limit.Off.
const Off = -1

// DefaultMetricsAddr is where a node serves its metrics unless told
// otherwise: loopback, so nothing outside the machine reads them until an
// operator binds them to a private interface, and a fixed port, so a
// scrape configuration can name it. 9464 is in the 9100–9999 range
// Prometheus exporters use; a node that cannot bind it refuses to start,
// naming --metrics-addr (see docs/DECISIONS.md).
const DefaultMetricsAddr = "127.0.0.1:9464"

// MetricsOff as MetricsAddr serves no metrics.
const MetricsOff = "off"

// DefaultConfig is the configuration the zero value stands for: every
// default in one place (mvgen serve's flags show these).
func DefaultConfig() Config {
	q := queue.DefaultConfig()
	return Config{
		DataDir:                "./mvgen-data",
		Addr:                   "127.0.0.1:8080",
		MetricsAddr:            DefaultMetricsAddr,
		RenderWorkers:          q.RenderWorkers,
		RenderTimeout:          q.RenderTimeout,
		FetchWorkers:           q.FetchWorkers,
		FetchDeadline:          worker.DefaultFetchDeadline,
		FetchMinRate:           worker.DefaultFetchMinRate,
		FetchRateWindow:        worker.DefaultFetchWindow,
		SourceRetention:        30 * 24 * time.Hour,
		MaxAudioDuration:       mvgen.DefaultMaxAudioDuration,
		MaxSourceBytes:         mvgen.DefaultMaxSourceBytes,
		CallbackSchedule:       delivery.DefaultSchedule,
		CallbackTimeout:        delivery.DefaultTimeout,
		CallbackPerDestination: delivery.DefaultPerDestination,
		LinkValidity:           link.Validity,
		Retention:              link.Retention,
		PurgeInterval:          q.PurgeInterval,
		ShutdownGrace:          60 * time.Second,
		LimitConfig:            LimitConfig{}.withLimitDefaults(),
	}
}

// withDefaults returns a copy with every zero field set to its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	or := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	num := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	or(&c.DataDir, d.DataDir)
	or(&c.Addr, d.Addr)
	or(&c.MetricsAddr, d.MetricsAddr)
	num(&c.RenderWorkers, d.RenderWorkers)
	num(&c.CallbackPerDestination, d.CallbackPerDestination)
	num(&c.FetchWorkers, d.FetchWorkers)
	dur(&c.FetchDeadline, d.FetchDeadline)
	dur(&c.FetchRateWindow, d.FetchRateWindow)
	dur(&c.SourceRetention, d.SourceRetention)
	if c.FetchMinRate == 0 {
		c.FetchMinRate = d.FetchMinRate
	}
	dur(&c.RenderTimeout, d.RenderTimeout)
	dur(&c.MaxAudioDuration, d.MaxAudioDuration)
	dur(&c.CallbackTimeout, d.CallbackTimeout)
	dur(&c.LinkValidity, d.LinkValidity)
	dur(&c.Retention, d.Retention)
	dur(&c.PurgeInterval, d.PurgeInterval)
	dur(&c.ShutdownGrace, d.ShutdownGrace)
	if c.MaxSourceBytes == 0 {
		c.MaxSourceBytes = d.MaxSourceBytes
	}
	if c.CallbackSchedule == nil {
		c.CallbackSchedule = d.CallbackSchedule
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.LimitConfig = c.withLimitDefaults()
	return c
}

// postgres reports whether the database is PostgreSQL.
func (c Config) postgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	for _, n := range []struct {
		flag string
		v    int64
	}{
		{"--render-workers", int64(c.RenderWorkers)},
		{"--max-source-bytes", c.MaxSourceBytes},
		{"--callback-per-destination", int64(c.CallbackPerDestination)},
		{"--fetch-workers", int64(c.FetchWorkers)},
		{"--fetch-min-rate", c.FetchMinRate},
	} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", n.flag, n.v))
		}
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"--render-timeout", c.RenderTimeout},
		{"--max-audio-duration", c.MaxAudioDuration},
		{"--callback-timeout", c.CallbackTimeout},
		{"--shutdown-grace", c.ShutdownGrace},
		{"--fetch-deadline", c.FetchDeadline},
		{"--fetch-rate-window", c.FetchRateWindow},
		{"--retention", c.Retention},
		{"link validity", c.LinkValidity},
		{"purge interval", c.PurgeInterval},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %v", d.flag, d.v))
		}
	}
	for _, d := range c.CallbackSchedule {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("--callback-schedule: every delay must be positive, got %v", d))
			break
		}
	}
	if c.Retention < c.LinkValidity {
		errs = append(errs, fmt.Errorf("retention (%v) must be at least the link validity (%v)", c.Retention, c.LinkValidity))
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "sqlite:") && !c.postgres() {
		errs = append(errs, fmt.Errorf("--db %q: want postgres://… (or sqlite:PATH; the default is SQLite in --data)", c.DB))
	}
	if c.Blob != "" && !strings.HasPrefix(c.Blob, "file:") && !strings.HasPrefix(c.Blob, "/") && !strings.HasPrefix(c.Blob, "s3://") {
		errs = append(errs, fmt.Errorf("--blob %q: want s3://BUCKET?endpoint=…, file:DIR or an absolute directory", c.Blob))
	}
	if c.MetricsAddr != MetricsOff {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-addr %q: want HOST:PORT such as %s, or off", c.MetricsAddr, DefaultMetricsAddr))
		}
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, fmt.Errorf("--public-url %q must start with http:// or https://", c.PublicURL))
	}
	if err := validUpstreamURL(c.UpstreamURL); err != nil {
		errs = append(errs, err)
	}
	if c.LinkKey != nil && len(c.LinkKey) < 16 {
		errs = append(errs, errors.New("link key must be at least 16 bytes"))
	}
	errs = append(errs, c.validateLimits()...)
	return errors.Join(errs...)
}

// validUpstreamURL checks --upstream-url: "" or an absolute http(s) URL
// without credentials, query or fragment (the upstream key is per API key:
// mvgen keys set-upstream).
func validUpstreamURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("--upstream-url %q: %w", raw, err)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("--upstream-url %q: want an absolute http:// or https:// URL such as https://api.sunoapi.org", raw)
	case u.User != nil:
		return fmt.Errorf("--upstream-url must not carry credentials; give each API key its upstream key with mvgen keys set-upstream")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("--upstream-url %q: want the API's root, without query or fragment", raw)
	}
	return nil
}
