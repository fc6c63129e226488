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

// TestLimitFlags: the limit flags read their forms (and MVGEN_*), 0 or off
// turns a cap off (server.Off, as Config reads it), and a bad value is
// refused naming the flag.
func TestLimitFlags(t *testing.T) {
	t.Setenv("MVGEN_REDELIVER_RATE", "5/m")
	t.Setenv("MVGEN_MAX_REDELIVERIES", "off")
	for _, tc := range []struct {
		args    []string
		check   func(l server.LimitConfig) bool
		wantErr string
	}{
		{nil, func(l server.LimitConfig) bool {
			return l.RateLimit == server.DefaultRateLimit && l.RateBurst == 20 && l.MaxPendingTasks == 100 &&
				l.MaxStreamsPerKey == 10 && l.MaxStreams == 500 && l.StreamLifetime == 10*time.Minute && l.StreamHeartbeat == 15*time.Second &&
				l.RedeliverRate == limit.Rate{Events: 5, Per: time.Minute} && l.UploadWindow == 30*time.Second &&
				l.MinUploadRate == server.DefaultMinUploadRate && l.MaxRedeliveries == server.Off
		}, ""},
		{[]string{"--rate-limit", "off", "--max-pending-tasks", "0", "--min-upload-rate", "0", "--source-allow-net", "10.0.0.0/8"},
			func(l server.LimitConfig) bool {
				return l.RateLimit.IsOff() && l.MaxPendingTasks == server.Off && l.MinUploadRate == server.Off &&
					len(l.SourceAllowNets) == 1 && l.SourceAllowNets[0] == netip.MustParsePrefix("10.0.0.0/8")
			}, ""},
		{[]string{"--rate-limit", "600/m", "--rate-burst", "5"}, func(l server.LimitConfig) bool {
			return l.RateLimit == limit.Rate{Events: 600, Per: time.Minute} && l.RateBurst == 5
		}, ""},
		{[]string{"--max-pending-tasks", "off", "--min-upload-rate", "-1", "--max-redeliveries", "7"}, func(l server.LimitConfig) bool {
			return l.MaxPendingTasks == server.Off && l.MinUploadRate == server.Off && l.MaxRedeliveries == 7
		}, ""},
		{[]string{"--max-streams-per-key", "3", "--max-streams", "off", "--stream-lifetime", "0", "--stream-heartbeat", "2s"},
			func(l server.LimitConfig) bool {
				return l.MaxStreamsPerKey == 3 && l.MaxStreams == server.Off && l.StreamLifetime == server.Off && l.StreamHeartbeat == 2*time.Second
			}, ""},
		{[]string{"--rate-limit", "fast"}, nil, "rate-limit"},
		{[]string{"--max-pending-tasks", "many"}, nil, "-max-pending-tasks: want a whole number, or off"},
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

// TestOffFlag: an off flag stores what it reads, and server.Off for off, 0
// and negative values; it prints its default, and "off" for Off.
func TestOffFlag(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		printed string
		wantErr bool
	}{
		{"90m", 90 * time.Minute, "1h30m0s", false},
		{"off", server.Off, "off", false},
		{" off ", server.Off, "off", false},
		{"0", server.Off, "off", false},
		{"-1h", server.Off, "off", false},
		{"forever", 720 * time.Hour, "720h0m0s", true},
	} {
		v := 720 * time.Hour
		f := offDuration(&v)
		err := f.Set(tc.in)
		if (err != nil) != tc.wantErr || v != tc.want || f.String() != tc.printed {
			t.Errorf("Set(%q): got %v, %v, printed %q; want %v, printed %q, error %v", tc.in, v, err, f.String(), tc.want, tc.printed, tc.wantErr)
		}
	}
	var help bytes.Buffer
	fs := newFlags("test", &help)
	n := 100
	fs.Var(offInt(&n), "cap", "a cap: `N`, or 0 or off for none")
	fs.PrintDefaults()
	if want := "  -cap N\n    \ta cap: N, or 0 or off for none (default 100)\n"; help.String() != want {
		t.Errorf("help %q, want %q", help.String(), want)
	}
}
