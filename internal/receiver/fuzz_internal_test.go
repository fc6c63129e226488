package receiver

import (
	"fmt"
	"net/url"
	"testing"
)

// FuzzContentRange: a download's Content-Range header, whatever it holds,
// parses to a start that is not negative and a total past it (or unknown),
// and a well-formed header round-trips.
func FuzzContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 100-199/*", "bytes 5-4/3", "bytes -1-2/3", "bytes 1-2",
		"items 0-1/2", "bytes 9223372036854775807-9223372036854775807/9223372036854775807", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, total, ok := contentRange(s)
		if !ok {
			return
		}
		if start < 0 || (total != -1 && total <= start) {
			t.Fatalf("contentRange(%q) = %d, %d, true; want 0 <= start < total (or total -1)", s, start, total)
		}
		canon := fmt.Sprintf("bytes %d-%d/%d", start, start, total)
		if total == -1 {
			canon = fmt.Sprintf("bytes %d-%d/*", start, start)
		}
		if s2, t2, ok2 := contentRange(canon); !ok2 || s2 != start || t2 != total {
			t.Fatalf("contentRange(%q) = %d, %d, %v; want %d, %d, true", canon, s2, t2, ok2, start, total)
		}
	})
}

// FuzzOrigin: any URL string yields an origin that is empty or
// "http(s)://host:port" with the port explicit, and an origin parses back
// to itself.
func FuzzOrigin(f *testing.F) {
	for _, s := range []string{"https://Example.COM/x", "http://a.example:8080", "http://[::1]/", "ftp://x",
		"https://a.example:443", "//a.example", "http://user@a.example/", "https://xn--bcher-kva.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		o := origin(u)
		if o == "" {
			return
		}
		set, err := parseOrigins("VideoOrigins", []string{o})
		if err != nil || !set[o] {
			t.Fatalf("origin(%q) = %q, which does not parse back to itself (%v)", s, o, err)
		}
	})
}
