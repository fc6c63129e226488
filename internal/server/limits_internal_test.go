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
		name                  string
		cfg                   Config
		pending, redeliveries int
		uploadRate            int64
		sourceRetention       time.Duration
	}{
		{"zero value", Config{},
			DefaultMaxPendingTasks, delivery.DefaultMaxRedeliveries, DefaultMinUploadRate, 30 * 24 * time.Hour},
		{"Off", Config{SourceRetention: Off, LimitConfig: LimitConfig{MaxPendingTasks: Off, MaxRedeliveries: Off, MinUploadRate: Off}},
			0, Off, 0, Off},
		{"negative", Config{SourceRetention: -time.Hour, LimitConfig: LimitConfig{MaxPendingTasks: -3, MaxRedeliveries: -3, MinUploadRate: -3}},
			0, -3, 0, -time.Hour},
	} {
		c := tc.cfg.withDefaults()
		l := c.apiLimits(nil)
		if l.MaxPendingTasks != tc.pending || c.MaxRedeliveries != tc.redeliveries || l.MinUploadRate != tc.uploadRate ||
			c.SourceRetention != tc.sourceRetention {
			t.Errorf("%s: got pending cap %d, redeliveries %d, upload rate %d, source retention %v; want %d, %d, %d, %v",
				tc.name, l.MaxPendingTasks, c.MaxRedeliveries, l.MinUploadRate, c.SourceRetention,
				tc.pending, tc.redeliveries, tc.uploadRate, tc.sourceRetention)
		}
	}
}
