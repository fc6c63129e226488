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
type ops struct {
	metrics         *metrics.Metrics
	metricsListener net.Listener // --metrics-addr; nil when metrics are on the main listener
	metricsHTTP     *http.Server
}

func newOps() ops { return ops{metrics: metrics.New()} }

// Metrics are the node's metrics, for components wired elsewhere (the
// upstream lookup, per-key limits) to count into.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// MetricsURL is where GET /metrics is served: on MetricsAddr when set,
// otherwise on the main listener (to loopback peers only).
func (s *Server) MetricsURL() string {
	if s.metricsListener != nil {
		return "http://" + s.metricsListener.Addr().String() + "/metrics"
	}
	return "http://" + s.listener.Addr().String() + "/metrics"
}

// listenMetrics binds MetricsAddr when one is set.
func (s *Server) listenMetrics() error {
	if s.cfg.MetricsAddr == "" {
		return nil
	}
	l, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listening on --metrics-addr %s: %w", s.cfg.MetricsAddr, err)
	}
	s.metricsListener = l
	return nil
}

// withTransport returns c with its transport wrapped by wrap.
func (s *Server) withTransport(wrap func(http.RoundTripper) http.RoundTripper, c *http.Client) *http.Client {
	c.Transport = wrap(c.Transport)
	return c
}

// wireOps gives the API its /readyz and /metrics and the metrics the
// queue's depth.
func (s *Server) wireOps(blobs blob.Store, renderer *render.Renderer) {
	s.metrics.WatchQueue(s.queue, string(jobs.KindRender), string(jobs.KindCallback))
	handler := s.metrics.Handler(s.cfg.Logger)
	if s.metricsListener == nil {
		s.api.Metrics = metrics.LocalOnly(handler)
	} else {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", handler)
		s.metricsHTTP = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
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

// serveMetrics serves --metrics-addr, when set, in the background.
func (s *Server) serveMetrics() {
	if s.metricsHTTP == nil {
		return
	}
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
