package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/metrics"
	"github.com/mvgen/mvgen/internal/ready"
	"github.com/mvgen/mvgen/internal/render"
)

// ops is what operators watch: the node's metrics, where they are served,
// and its readiness check.
//
// Metrics have a listener of their own (Config.MetricsAddr, loopback by
// default) and are never served on the main one: that listener is what a
// reverse proxy forwards, and a proxy on the same machine connects from
// loopback on behalf of anyone, with or without a header that says so.
type ops struct {
	metrics         *metrics.Metrics
	metricsListener net.Listener // nil when metrics are off
	metricsHTTP     *http.Server
}

func newOps() ops { return ops{metrics: metrics.New()} }

// Metrics are the node's metrics, for components wired elsewhere (the
// upstream lookup, per-key limits) to count into.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// MetricsURL is where GET /metrics is served (on MetricsAddr), "" when
// metrics are off.
func (s *Server) MetricsURL() string {
	if s.metricsListener == nil {
		return ""
	}
	return "http://" + s.metricsListener.Addr().String() + "/metrics"
}

// listenMetrics binds MetricsAddr unless metrics are off.
func (s *Server) listenMetrics() error {
	if s.cfg.MetricsAddr == MetricsOff {
		return nil
	}
	l, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listening on --metrics-addr %s: %w (another mvgen serve on this machine? give each node its own --metrics-addr, or --metrics-addr off)", s.cfg.MetricsAddr, err)
	}
	s.metricsListener = l
	return nil
}

// withTransport returns c with its transport wrapped by wrap.
func (s *Server) withTransport(wrap func(http.RoundTripper) http.RoundTripper, c *http.Client) *http.Client {
	c.Transport = wrap(c.Transport)
	return c
}

// wireOps gives the API its /readyz, the metrics the queue's depth, and
// the metrics listener its handler.
func (s *Server) wireOps(blobs blob.Store, renderer *render.Renderer) {
	s.metrics.WatchQueue(s.queue, string(jobs.KindRender), string(jobs.KindCallback))
	s.metrics.WatchStreams(s.api.Streams)
	if s.metricsListener != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.metrics.Handler(s.cfg.Logger))
		s.metricsHTTP = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	}
	checks := []ready.Check{ready.Storage(blobs)}
	if p, ok := s.store.(ready.Pinger); ok {
		checks = append(checks, ready.Database(p))
	}
	if !s.cfg.APIOnly {
		checks = append(checks, ready.Tools("ffmpeg", orDefault(renderer.FFmpeg, "ffmpeg"), orDefault(renderer.FFprobe, "ffprobe")))
	}
	s.api.Ready = &ready.Checker{Checks: checks}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// serveMetrics serves the metrics listener, unless metrics are off, in the
// background.
func (s *Server) serveMetrics() {
	if s.metricsHTTP == nil {
		s.cfg.Logger.Info("metrics are off (--metrics-addr off)")
		return
	}
	s.cfg.Logger.Info("serving metrics", "url", s.MetricsURL())
	go func() {
		if err := s.metricsHTTP.Serve(s.metricsListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("serving metrics", "addr", s.cfg.MetricsAddr, "err", err)
		}
	}()
}

func (s *Server) stopMetrics(ctx context.Context) {
	if s.metricsHTTP != nil {
		if err := s.metricsHTTP.Shutdown(ctx); err != nil {
			s.metricsHTTP.Close()
		}
	}
}
