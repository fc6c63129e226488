package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/server"
)

// TestLimitFlags: the limit flags read their forms (and MVGEN_*), 0 turns a
// cap off, and a bad value is refused naming the flag.
func TestLimitFlags(t *testing.T) {
	t.Setenv("MVGEN_REDELIVER_RATE", "5/m")
	for _, tc := range []struct {
		args    []string
		check   func(l server.LimitConfig) bool
		wantErr string
	}{
		{nil, func(l server.LimitConfig) bool {
			return l.RateLimit == server.DefaultRateLimit && l.RateBurst == 20 && l.MaxPendingTasks == 100 &&
				l.RedeliverRate == limit.Rate{Events: 5, Per: time.Minute} && l.UploadWindow == 30*time.Second
		}, ""},
		{[]string{"--rate-limit", "off", "--max-pending-tasks", "0", "--min-upload-rate", "0", "--source-allow-net", "10.0.0.0/8"},
			func(l server.LimitConfig) bool {
				return l.RateLimit.IsOff() && l.MaxPendingTasks < 0 && l.MinUploadRate < 0 &&
					len(l.SourceAllowNets) == 1 && l.SourceAllowNets[0] == netip.MustParsePrefix("10.0.0.0/8")
			}, ""},
		{[]string{"--rate-limit", "600/m", "--rate-burst", "5"}, func(l server.LimitConfig) bool {
			return l.RateLimit == limit.Rate{Events: 600, Per: time.Minute} && l.RateBurst == 5
		}, ""},
		{[]string{"--rate-limit", "fast"}, nil, "rate-limit"},
		{[]string{"--source-allow-net", "nope"}, nil, "--source-allow-net"},
	} {
		var l server.LimitConfig
		fs := newFlags("test", &bytes.Buffer{})
		finish := limitFlags(fs, &l)
		_, err := parse(fs, tc.args)
		if err == nil {
			err = finish()
		}
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("args %v: got %v, want an error naming %s", tc.args, err, tc.wantErr)
		case tc.wantErr == "" && err != nil:
			t.Errorf("args %v: %v", tc.args, err)
		case tc.wantErr == "" && !tc.check(l):
			t.Errorf("args %v: got %+v", tc.args, l)
		}
	}
}
