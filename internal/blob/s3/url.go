package s3

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// config is what an s3:// URL says.
type config struct {
	bucket   string
	endpoint string // host[:port], no scheme
	secure   bool
	region   string // "" lets the client ask the server
	prefix   string // "" or a valid key; objects live under prefix + "/"
}

// params lists the query parameters an s3:// URL may carry.
var params = []string{"endpoint", "region", "secure", "prefix"}

// parseURL reads s3://BUCKET?endpoint=…&region=…&secure=…&prefix=….
func parseURL(raw string) (config, error) {
	var c config
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL; that is fine: it carries no secret
		// that we accept (credentials in the URL are refused below).
		return c, fmt.Errorf("--blob: %w", err)
	}
	fail := func(format string, args ...any) (config, error) {
		return config{}, fmt.Errorf("--blob %s: %s", u.Redacted(), fmt.Sprintf(format, args...))
	}
	if u.Scheme != "s3" {
		return fail("scheme must be s3 (s3://BUCKET?endpoint=HOST:PORT&region=REGION)")
	}
	if u.Opaque != "" {
		return fail("want s3://BUCKET?endpoint=HOST:PORT&region=REGION")
	}
	if u.User != nil {
		return fail("credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if u.Fragment != "" {
		return fail("unexpected fragment #%s", u.Fragment)
	}
	c.bucket = u.Host
	if c.bucket == "" {
		return fail("bucket is required")
	}
	if err := s3utils.CheckValidBucketNameStrict(c.bucket); err != nil {
		return fail("invalid bucket name %q: %v", c.bucket, err)
	}
	if u.Path != "" && u.Path != "/" {
		return fail("unexpected path %q: give a key prefix as ?prefix=…", u.Path)
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("invalid query: %v", err)
	}
	for k, v := range q {
		if !slices.Contains(params, k) {
			return fail("unknown parameter %q (known: %s)", k, strings.Join(params, ", "))
		}
		if len(v) > 1 {
			return fail("parameter %q given %d times", k, len(v))
		}
	}

	endpoint := q.Get("endpoint")
	var scheme string
	if i := strings.Index(endpoint, "://"); i >= 0 {
		e, err := url.Parse(endpoint)
		if err != nil {
			return fail("invalid endpoint %q: %v", endpoint, err)
		}
		scheme = e.Scheme
		if scheme != "http" && scheme != "https" {
			return fail("endpoint scheme must be http or https, got %q", scheme)
		}
		if e.User != nil || (e.Path != "" && e.Path != "/") || e.RawQuery != "" || e.Fragment != "" {
			return fail("endpoint must be only scheme://host:port, got %q", endpoint)
		}
		endpoint = e.Host
	}
	if endpoint == "" {
		return fail("endpoint is required (?endpoint=HOST:PORT)")
	}
	if strings.ContainsAny(endpoint, "/?#@ ") {
		return fail("invalid endpoint %q: want HOST:PORT", endpoint)
	}
	c.endpoint = endpoint

	c.secure = scheme != "http"
	if s := q.Get("secure"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fail("secure must be true or false, got %q", s)
		}
		if scheme != "" && b != c.secure {
			return fail("secure=%s contradicts the endpoint's %s:// scheme", s, scheme)
		}
		c.secure = b
	}

	c.region = q.Get("region")

	if p := strings.Trim(q.Get("prefix"), "/"); p != "" {
		if !validKey(p) {
			return fail("invalid prefix %q", q.Get("prefix"))
		}
		c.prefix = p
	}
	return c, nil
}

// validKey applies blob.Dir's rules for keys: slash-separated, not empty,
// no leading slash, no empty, "." or ".." segment, no backslash.
func validKey(key string) bool {
	if key == "" || strings.Contains(key, "\\") || strings.HasPrefix(key, "/") {
		return false
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}
