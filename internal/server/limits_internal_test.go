package server

import (
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/delivery"
)

// TestOff: a zero field is its default, and Off (or any negative value)
// stays off on its way to where it is used: the API's limits (where 0 is
// none), the callbacks' redeliveries and the purge of sources (where a
// negative value is none).
func TestOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                   string
		cfg                    Config
		pending, redeliveries  int
		uploadRate             int64
		sourceRetention        time.Duration
		streamsPerKey, streams int
		streamLifetime         time.Duration
	}{
		{"zero value", Config{},
			DefaultMaxPendingTasks, delivery.DefaultMaxRedeliveries, DefaultMinUploadRate, 30 * 24 * time.Hour,
			DefaultMaxStreamsPerKey, DefaultMaxStreams, DefaultStreamLifetime},
		{"Off", Config{SourceRetention: Off, LimitConfig: LimitConfig{MaxPendingTasks: Off, MaxRedeliveries: Off, MinUploadRate: Off,
			MaxStreamsPerKey: Off, MaxStreams: Off, StreamLifetime: Off}},
			0, Off, 0, Off, 0, 0, 0},
		{"negative", Config{SourceRetention: -time.Hour, LimitConfig: LimitConfig{MaxPendingTasks: -3, MaxRedeliveries: -3, MinUploadRate: -3,
			MaxStreamsPerKey: -3, MaxStreams: -3, StreamLifetime: -time.Hour}},
			0, -3, 0, -time.Hour, 0, 0, 0},
	} {
		c := tc.cfg.withDefaults()
		l := c.apiLimits(nil)
		if l.MaxPendingTasks != tc.pending || c.MaxRedeliveries != tc.redeliveries || l.MinUploadRate != tc.uploadRate ||
			c.SourceRetention != tc.sourceRetention {
			t.Errorf("%s: got pending cap %d, redeliveries %d, upload rate %d, source retention %v; want %d, %d, %d, %v",
				tc.name, l.MaxPendingTasks, c.MaxRedeliveries, l.MinUploadRate, c.SourceRetention,
				tc.pending, tc.redeliveries, tc.uploadRate, tc.sourceRetention)
		}
		if l.MaxStreamsPerKey != tc.streamsPerKey || l.MaxStreams != tc.streams || l.StreamLifetime != tc.streamLifetime ||
			l.StreamHeartbeat != DefaultStreamHeartbeat {
			t.Errorf("%s: got streams %d a key, %d in all, lifetime %v, heartbeat %v; want %d, %d, %v, %v", tc.name,
				l.MaxStreamsPerKey, l.MaxStreams, l.StreamLifetime, l.StreamHeartbeat,
				tc.streamsPerKey, tc.streams, tc.streamLifetime, DefaultStreamHeartbeat)
		}
	}
}
