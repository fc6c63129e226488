package receiver

import (
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/link"
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

// FuzzLinkTask: a link checkLinkTask accepts for a task still names that
// task's video once a server has resolved its path (path.Clean), and a link
// mvgen makes for a task (link.Signer.URL, on any base URL) is never
// accepted for another task. TestLinkNamesTask shows mvgen's links
// accepted for their own task.
func FuzzLinkTask(f *testing.F) {
	for _, s := range []string{"https://a.example/v1/videos/t1.mp4?expires=1&sig=x", "http://a.example/p/v1/videos/t1.mp4",
		"http://a.example/v1/videos/t2.mp4/../t1.mp4", "http://a.example/v1/videos/t1.mp4/", "http://a.example/v1/videos/%2e%2e/t1.mp4",
		"http://a.example//v1/videos/t1.mp4", "https://a.example/base/"} {
		f.Add(s, "t1", "t2")
	}
	signer := &link.Signer{Key: []byte("0123456789abcdef0123456789abcdef")}
	f.Fuzz(func(t *testing.T, s, taskID, other string) {
		if !validTaskID(taskID) {
			return
		}
		if u, err := url.Parse(s); err == nil && checkLinkTask(u, taskID) == nil {
			if p := path.Clean(u.Path); !strings.HasSuffix(p, "/v1/videos/"+taskID+".mp4") {
				t.Fatalf("checkLinkTask accepts %q for task %s, whose path resolves to %q", s, taskID, p)
			}
		}
		if !validTaskID(other) || other == taskID || strings.ContainsAny(s, "?#") {
			return // a base URL is a scheme, a host and perhaps a path
		}
		signer.BaseURL = s
		if u, err := url.Parse(signer.URL(other, time.Unix(1797000000, 0))); err == nil && checkLinkTask(u, taskID) == nil {
			t.Fatalf("the link %s for task %s is accepted for task %s", u, other, taskID)
		}
	})
}
