package receiver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds the redirects one download request follows.
const maxRedirects = 5

// errRedirect marks a redirect the receiver refused to follow.
var errRedirect = errors.New("redirect refused")

// origin returns u's origin in a form fit for comparison:
// "scheme://host:port" in lower case, with the scheme's default port made
// explicit. It returns "" for a URL that is not absolute http(s) with a host.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if (scheme != "http" && scheme != "https") || host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// parseOrigins parses origins given as "https://host[:port]" (a trailing
// slash is allowed; a path, query, fragment or user name is not).
func parseOrigins(field string, list []string) (map[string]bool, error) {
	set := make(map[string]bool, len(list))
	for _, s := range list {
		u, err := url.Parse(s)
		o := ""
		if err == nil && u.User == nil && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" {
			o = origin(u)
		}
		if o == "" {
			return nil, fmt.Errorf("receiver: %s entry %q is not an origin such as https://mvgen.example.com", field, s)
		}
		set[o] = true
	}
	return set, nil
}

// checkOrigin refuses a video_url outside the allowed origins. With none
// configured, the first success callback's origin is pinned (and saved in
// StateFile) and later links must share it.
func (r *Receiver) checkOrigin(link *url.URL) error {
	o := origin(link)
	if len(r.origins) > 0 {
		if !r.origins[o] {
			return fmt.Errorf("video_url points at %s, which is not a --video-origin", o)
		}
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pinned == "" {
		r.pinned = o
		if err := saveState(r.dir, r.seen, r.pinned); err != nil {
			r.log.Warn(fmt.Sprintf("cannot save the video origin %s: %v", o, err))
		}
		r.log.Info(fmt.Sprintf("videos are accepted from %s only from now on (the first callback's origin; set --video-origin to choose)", o))
		return nil
	}
	if o != r.pinned {
		return fmt.Errorf("video_url points at %s, but videos come from %s (the first callback's origin, kept in %s); "+
			"set --video-origin to accept another", o, r.pinned, StateFile)
	}
	return nil
}

// allowedRedirect reports whether a download may be redirected to u: to the
// video origins (configured or pinned) and RedirectOrigins only.
func (r *Receiver) allowedRedirect(u *url.URL) bool {
	o := origin(u)
	if o == "" {
		return false
	}
	if r.redirects[o] || r.origins[o] {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.origins) == 0 && o == r.pinned
}

// newClient returns the download client: Client (or a default one, dialling
// through Guard when set) with CheckRedirect set to follow at most
// maxRedirects redirects, each to an allowed origin.
func (r *Receiver) newClient() *http.Client {
	var c http.Client
	switch {
	case r.Client != nil:
		c = *r.Client
	case r.Guard != nil:
		c = *r.Guard.Client(DefaultTimeout)
	default:
		c = http.Client{Timeout: DefaultTimeout}
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: more than %d redirects", errRedirect, maxRedirects)
		}
		if !r.allowedRedirect(req.URL) {
			return fmt.Errorf("%w: to %s, which is neither the video origin nor a --redirect-origin",
				errRedirect, origin(req.URL))
		}
		return nil
	}
	return &c
}
