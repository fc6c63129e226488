package delivery

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzParseRetryAfter: a receiver's Retry-After header, whatever it holds,
// gives a delay that is never negative; delay-seconds give exactly that many
// seconds, and an HTTP date in the future the time until it.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, seed := range []string{"", "0", "120", "-1", "1.5", " 5", "9999999999", "9223372036854775807",
		"Thu, 01 Jan 2026 00:02:00 GMT", "Wed, 31 Dec 2025 23:59:00 GMT", "Thursday, 01-Jan-26 00:02:00 GMT",
		"Thu Jan  1 00:02:00 2026", "not a date"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := parseRetryAfter(v, now)
		if got < 0 {
			t.Fatalf("parseRetryAfter(%q) = %v, want no negative delay", v, got)
		}
		if s, err := strconv.Atoi(v); err == nil && s >= 0 && s <= maxRetryAfterSeconds {
			if want := time.Duration(s) * time.Second; got != want {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v", v, got, want)
			}
		}
		if at, err := http.ParseTime(v); err == nil && at.After(now) && at.Sub(now) < time.Duration(maxRetryAfterSeconds)*time.Second {
			if want := at.Sub(now); got != want {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v", v, got, want)
			}
		}
	})
}
