package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalidURL is wrapped by the errors [Guard.CheckURL] returns for a URL
// that is malformed or not an acceptable http/https URL.
var ErrInvalidURL = errors.New("netguard: invalid URL")

// MaxURLLen is the longest URL, in bytes, that [Guard.CheckURL] accepts
// (contract §2: callBackUrl ≤ 2048 bytes).
const MaxURLLen = 2048

// urlError is a CheckURL refusal: a message for the API user (which the
// caller prefixes with the field name) wrapping ErrInvalidURL or a
// *BlockedError.
type urlError struct {
	msg string
	err error
}

func (e *urlError) Error() string { return e.msg }
func (e *urlError) Unwrap() error { return e.err }

func invalidURL(format string, args ...any) error {
	return &urlError{msg: fmt.Sprintf(format, args...), err: ErrInvalidURL}
}

// CheckURL validates a user-supplied URL when a request is submitted. The URL
// must parse, be absolute with scheme http or https, have a host and a port
// (if any) in 1-65535, be at most [MaxURLLen] bytes and carry no user name or
// password; otherwise the error wraps [ErrInvalidURL].
//
// When the host is a literal IP address (bracketed IPv6 included, and IPv4
// written in the legacy forms some resolvers accept, such as 2130706433,
// 0x7f.1 or 0177.0.0.1) that the guard blocks, or is "localhost" or a name
// under ".localhost", the error wraps [ErrBlocked] and a *[BlockedError].
// Localhost names pass when Allow reopens 127.0.0.1 or ::1. Other host names
// are not resolved here: [Guard.Control] checks the addresses they resolve
// to when connecting.
//
// Error messages are fit to show an API user after the field name, e.g.
// "callBackUrl: host 10.0.0.1 is not allowed: it is private (RFC 1918)".
func (g *Guard) CheckURL(raw string) error {
	if raw == "" {
		return invalidURL("must not be empty")
	}
	if len(raw) > MaxURLLen {
		return invalidURL("must be at most %d bytes, got %d", MaxURLLen, len(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the echo of the whole URL
		}
		return invalidURL("is not a valid URL: %v", err)
	}
	if !u.IsAbs() {
		return invalidURL("must be an absolute http or https URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalidURL("scheme must be http or https, not %q", u.Scheme)
	}
	if u.User != nil {
		return invalidURL("must not contain a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return invalidURL("must have a host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalidURL("port must be between 1 and 65535")
		}
	}
	return g.checkHost(host)
}

// checkHost refuses a URL host that is a blocked literal address or a
// localhost name.
func (g *Guard) checkHost(host string) error {
	ip, err := netip.ParseAddr(host)
	if err != nil && strings.Contains(host, ":") {
		return invalidURL("host %q is not a valid IPv6 address", host)
	}
	if err != nil {
		var ok bool
		ip, ok = parseLegacyIPv4(strings.TrimSuffix(host, "."))
		if !ok {
			return g.checkName(host)
		}
	}
	if class, blocked := g.check(ip); blocked {
		return blockedHost(host, class)
	}
	return nil
}

var (
	loopback4 = netip.MustParseAddr("127.0.0.1")
	loopback6 = netip.IPv6Loopback()
)

// checkName refuses localhost names (RFC 6761: they resolve to loopback by
// definition) unless the Allow list reopens loopback.
func (g *Guard) checkName(host string) error {
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name != "localhost" && !strings.HasSuffix(name, ".localhost") {
		return nil
	}
	if g.allowed(loopback4) || g.allowed(loopback6) {
		return nil
	}
	return blockedHost(host, "loopback")
}

func blockedHost(host, class string) error {
	return &urlError{
		msg: fmt.Sprintf("host %s is not allowed: it is %s", host, class),
		err: &BlockedError{Addr: host, Class: class},
	}
}

// parseLegacyIPv4 parses s as inet_aton(3) does: one to four dot-separated
// parts, each decimal, octal (leading 0) or hexadecimal (leading 0x), the
// last filling the remaining bytes ("127.1" is 127.0.0.1, "2130706433" is
// 127.0.0.1). Resolvers that accept these forms would connect to the
// address, so CheckURL must see through them.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := parseLegacyPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 0xff {
				return netip.Addr{}, false
			}
			v |= n << (24 - 8*i)
			continue
		}
		if n >= 1<<(8*(5-len(parts))) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func parseLegacyPart(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		p, base = p[2:], 16
		if p == "" {
			return 0, true // "0x" is 0 to inet_aton and to WHATWG URL parsers
		}
	case len(p) >= 2 && p[0] == '0':
		p, base = p[1:], 8
	}
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}
