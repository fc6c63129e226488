package receiver

import (
	"net/url"
	"testing"
)

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
