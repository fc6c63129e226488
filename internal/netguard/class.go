package netguard

import (
	"fmt"
	"net/netip"
)

// rule names the class of one blocked network.
type rule struct {
	prefix netip.Prefix
	class  string
}

func rules(pairs ...string) []rule {
	rs := make([]rule, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		rs = append(rs, rule{netip.MustParsePrefix(pairs[i]), pairs[i+1]})
	}
	return rs
}

// v4Rules are the blocked IPv4 networks, most specific first where they
// overlap (the first match names the class).
var v4Rules = rules(
	"0.0.0.0/32", "unspecified",
	"0.0.0.0/8", `"this network"`,
	"10.0.0.0/8", "private (RFC 1918)",
	"100.64.0.0/10", "shared address space (CGNAT)",
	"127.0.0.0/8", "loopback",
	"169.254.169.254/32", "link-local (cloud metadata service)",
	"169.254.0.0/16", "link-local",
	"172.16.0.0/12", "private (RFC 1918)",
	"192.0.0.0/24", "IETF protocol assignments",
	"192.0.2.0/24", "documentation",
	"192.88.99.0/24", "6to4 relay anycast",
	"192.168.0.0/16", "private (RFC 1918)",
	"198.18.0.0/15", "benchmarking",
	"198.51.100.0/24", "documentation",
	"203.0.113.0/24", "documentation",
	"224.0.0.0/4", "multicast",
	"255.255.255.255/32", "broadcast",
	"240.0.0.0/4", "reserved",
)

// v6Rules are the blocked IPv6 networks, IPv4-embedding forms excepted
// (see embedders).
var v6Rules = rules(
	"::/128", "unspecified",
	"::1/128", "loopback",
	"64:ff9b:1::/48", "NAT64 local-use",
	"100::/64", "discard-only",
	"2001:2::/48", "benchmarking",
	"2001:db8::/32", "documentation",
	"3fff::/20", "documentation",
	"fc00::/7", "unique local (ULA)",
	"fe80::/10", "link-local",
	"fec0::/10", "site-local",
	"ff00::/8", "multicast",
)

// embedder extracts the IPv4 addresses that an IPv6 form carries, and
// through which a connection may end up at them.
type embedder struct {
	prefix  netip.Prefix
	name    string
	extract func(a [16]byte) []netip.Addr
}

func last4(a [16]byte) []netip.Addr {
	return []netip.Addr{netip.AddrFrom4([4]byte(a[12:16]))}
}

var embedders = []embedder{
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated", last4},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible", last4},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64", last4},
	{netip.MustParsePrefix("2002::/16"), "6to4", func(a [16]byte) []netip.Addr {
		return []netip.Addr{netip.AddrFrom4([4]byte(a[2:6]))}
	}},
	{netip.MustParsePrefix("2001::/32"), "Teredo", func(a [16]byte) []netip.Addr {
		server := netip.AddrFrom4([4]byte(a[4:8]))
		client := netip.AddrFrom4([4]byte{a[12] ^ 0xff, a[13] ^ 0xff, a[14] ^ 0xff, a[15] ^ 0xff})
		return []netip.Addr{server, client}
	}},
}

func lookup(rs []rule, ip netip.Addr) string {
	for _, r := range rs {
		if r.prefix.Contains(ip) {
			return r.class
		}
	}
	return ""
}

// classify returns the blocked class of ip (which must be valid and carry
// no zone), or "" when ip is in none.
func classify(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is4() {
		return lookup(v4Rules, ip)
	}
	if c := lookup(v6Rules, ip); c != "" {
		return c
	}
	for _, e := range embedders {
		if !e.prefix.Contains(ip) {
			continue
		}
		for _, v4 := range e.extract(ip.As16()) {
			if c := lookup(v4Rules, v4); c != "" {
				return fmt.Sprintf("%s (%s form of %s)", c, e.name, v4)
			}
		}
	}
	return ""
}
