package server_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/server"
)

// TestConfigValidate: every out-of-range setting is refused with a message
// naming its flag, before anything starts.
func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  server.Config
		want string // "" for valid
	}{
		{"zero value", server.Config{}, ""},
		{"defaults", server.DefaultConfig(), ""},
		{"negative per destination", server.Config{CallbackPerDestination: -1}, "--callback-per-destination must be positive, got -1"},
		{"negative workers", server.Config{RenderWorkers: -2}, "--render-workers must be positive"},
		{"negative bytes", server.Config{MaxSourceBytes: -1}, "--max-source-bytes must be positive"},
		{"negative render timeout", server.Config{RenderTimeout: -time.Second}, "--render-timeout must be positive"},
		{"negative duration", server.Config{MaxAudioDuration: -time.Second}, "--max-audio-duration must be positive"},
		{"negative callback timeout", server.Config{CallbackTimeout: -time.Second}, "--callback-timeout must be positive"},
		{"negative grace", server.Config{ShutdownGrace: -time.Second}, "--shutdown-grace must be positive"},
		{"zero schedule entry", server.Config{CallbackSchedule: []time.Duration{time.Second, 0}}, "--callback-schedule"},
		{"retention under validity", server.Config{Retention: time.Hour}, "retention"},
		{"bad db", server.Config{DB: "mysql://x"}, "--db"},
		{"bad blob", server.Config{Blob: "gs://x"}, "--blob"},
		{"metrics off", server.Config{MetricsAddr: server.MetricsOff}, ""},
		{"metrics on all interfaces", server.Config{MetricsAddr: ":9464"}, ""},
		{"metrics without a port", server.Config{MetricsAddr: "10.0.0.5"}, "--metrics-addr"},
		{"bad public url", server.Config{PublicURL: "example.com"}, "--public-url"},
		{"upstream url", server.Config{UpstreamURL: "https://api.sunoapi.org"}, ""},
		{"upstream url not absolute", server.Config{UpstreamURL: "api.sunoapi.org"}, "--upstream-url"},
		{"upstream url ftp", server.Config{UpstreamURL: "ftp://api.example"}, "--upstream-url"},
		{"upstream url with credentials", server.Config{UpstreamURL: "https://sk-1:x@api.example"}, "must not carry credentials"},
		{"upstream url with query", server.Config{UpstreamURL: "https://api.example/?key=x"}, "without query"},
		{"rate of zero", server.Config{LimitConfig: server.LimitConfig{RateLimit: limit.Rate{Events: 0, Per: time.Second}}}, "--rate-limit"},
		{"redeliver rate without period", server.Config{LimitConfig: server.LimitConfig{RedeliverRate: limit.Rate{Events: 5}}}, "--redeliver-rate"},
		{"negative burst", server.Config{LimitConfig: server.LimitConfig{RateBurst: -1}}, "--rate-burst must be positive"},
		{"negative stream heartbeat", server.Config{LimitConfig: server.LimitConfig{StreamHeartbeat: -time.Second}}, "--stream-heartbeat"},
		{"negative upload window", server.Config{LimitConfig: server.LimitConfig{UploadWindow: -time.Second}}, "--upload-window"},
		{"limits off", server.Config{SourceRetention: server.Off, LimitConfig: server.LimitConfig{RateLimit: limit.Off,
			RedeliverRate: limit.Off, MaxPendingTasks: server.Off, MaxRedeliveries: server.Off, MinUploadRate: server.Off}}, ""},
		{"any negative is off", server.Config{SourceRetention: -time.Hour, LimitConfig: server.LimitConfig{
			MaxPendingTasks: -7, MaxRedeliveries: -7, MinUploadRate: -7}}, ""},
	} {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: got %v, want valid", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// TestRefusesToStartWithoutFFmpeg: a node that renders checks its tools at
// start instead of failing every render later; an API-only node does not
// need them.
func TestRefusesToStartWithoutFFmpeg(t *testing.T) {
	t.Parallel()
	cfg := server.Config{DataDir: filepath.Join(t.TempDir(), "data"), Addr: "127.0.0.1:0", MetricsAddr: server.MetricsOff,
		FFmpeg: "/nonexistent/ffmpeg", FFprobe: "/nonexistent/ffprobe"}
	s, err := server.Open(context.Background(), cfg)
	if err == nil {
		s.Close()
		t.Fatal("Open without ffmpeg: got nil error, want a refusal")
	}
	if !strings.Contains(err.Error(), "ffmpeg") || !strings.Contains(err.Error(), "--api-only") {
		t.Errorf("error %q should name ffmpeg and what to do", err)
	}
	cfg.APIOnly = true
	s, err = server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("API-only Open without ffmpeg: %v", err)
	}
	s.Close()
}
