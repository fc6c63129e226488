package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlocked is wrapped by every error that refuses an address because it
// is in a blocked class (see [Guard.Blocked]).
var ErrBlocked = errors.New("netguard: address blocked")

// BlockedError reports an address, or a host name, refused because it is
// in a blocked class. It wraps [ErrBlocked].
type BlockedError struct {
	Addr  string // the refused address as connected to or written, e.g. "127.0.0.1" or "localhost"
	Class string // the blocked class, e.g. "loopback" or "private (RFC 1918)"
}

// Error returns, for example, "netguard: 127.0.0.1 is loopback; refusing to connect".
func (e *BlockedError) Error() string {
	return fmt.Sprintf("netguard: %s is %s; refusing to connect", e.Addr, e.Class)
}

// Unwrap returns [ErrBlocked].
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Guard decides which addresses mvgen may connect to.
//
// The zero value is ready to use and blocks every class listed under
// [Guard.Blocked]. A nil *Guard behaves like the zero value. A Guard is safe
// for concurrent use as long as Allow is not modified after first use.
type Guard struct {
	// Allow lists networks that are reachable even though they fall in a
	// blocked class, for example 10.0.0.0/8 for a receiver on a private
	// network or 127.0.0.0/8 for local development. An address is allowed
	// when any prefix contains it as given or in its unmapped IPv4 form
	// (::ffff:10.1.2.3 is allowed by 10.0.0.0/8). Default: none.
	Allow []netip.Prefix
}

// Blocked reports whether ip may not be connected to. It is true, unless an
// Allow prefix contains ip, for:
//
//   - loopback: 127.0.0.0/8, ::1
//   - private: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) and unique
//     local fc00::/7
//   - link-local: 169.254.0.0/16 (including the metadata service
//     169.254.169.254) and fe80::/10; deprecated site-local fec0::/10
//   - shared address space (CGNAT): 100.64.0.0/10
//   - multicast: 224.0.0.0/4, ff00::/8
//   - unspecified and "this network": 0.0.0.0/8, ::
//   - broadcast 255.255.255.255 and reserved 240.0.0.0/4
//   - benchmarking: 198.18.0.0/15, 2001:2::/48
//   - documentation: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
//     2001:db8::/32, 3fff::/20
//   - IETF protocol assignments 192.0.0.0/24, 6to4 relay anycast
//     192.88.99.0/24, discard-only 100::/64, NAT64 local-use 64:ff9b:1::/48
//   - IPv6 forms that carry a blocked IPv4 address: IPv4-mapped
//     ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, IPv4-compatible ::/96,
//     NAT64 64:ff9b::/96, 6to4 2002::/16 and Teredo 2001::/32
//   - the invalid (zero) netip.Addr
//
// An IPv6 zone is ignored.
func (g *Guard) Blocked(ip netip.Addr) bool {
	_, blocked := g.check(ip)
	return blocked
}

// check returns ip's blocked class, if any, and whether the guard refuses
// it (a class the Allow list does not reopen).
func (g *Guard) check(ip netip.Addr) (class string, blocked bool) {
	ip = ip.WithZone("")
	if !ip.IsValid() {
		return "not a valid IP address", true
	}
	class = classify(ip)
	if class == "" || g.allowed(ip) {
		return class, false
	}
	return class, true
}

// allowed reports whether an Allow prefix contains ip as given or unmapped.
func (g *Guard) allowed(ip netip.Addr) bool {
	if g == nil {
		return false
	}
	ip = ip.WithZone("")
	unmapped := ip.Unmap()
	for _, p := range g.Allow {
		if p.Contains(ip) || p.Contains(unmapped) {
			return true
		}
	}
	return false
}

// Control is a [net.Dialer] Control function. It parses the address being
// connected to, after DNS resolution, and returns a *[BlockedError] (which
// wraps [ErrBlocked]) when the guard blocks it. Networks other than TCP and
// UDP, and addresses that are not an IP and port, are refused with an error
// wrapping ErrBlocked.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return fmt.Errorf("netguard: refusing to dial %q over network %q: %w", address, network, ErrBlocked)
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("netguard: cannot parse dial address %q: %w", address, ErrBlocked)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("netguard: cannot parse dial address %q: %w", address, ErrBlocked)
	}
	if class, blocked := g.check(ip); blocked {
		return &BlockedError{Addr: ip.String(), Class: class}
	}
	return nil
}

// Dialer returns a dialer that refuses blocked addresses through
// [Guard.Control], with a 10 s connect timeout and 30 s TCP keep-alive.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   g.Control,
	}
}

// Client returns an HTTP client whose every connection goes through
// [Guard.Dialer], with the given overall timeout per request (0 means none,
// as for [http.Client]).
//
// The client never uses a proxy, whatever the environment says: a proxy
// would make the dialer check the proxy's address instead of the target's.
// It never follows redirects either: a 3xx answer is returned as the
// response, so a public URL cannot bounce a request into an internal
// network, and callers decide what a redirect means to them.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	t := &http.Transport{
		Proxy:                  nil, // never from the environment
		DialContext:            g.Dialer().DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: timeout,
	}
}
