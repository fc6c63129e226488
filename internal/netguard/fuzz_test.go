package netguard

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// FuzzControl: the dial-time check, fed any address, refuses with an error
// wrapping ErrBlocked or passes, and passes only a parsable IP and port
// whose address the guard does not block. Allowing 127.0.0.0/8 reopens
// loopback (and its mapped IPv6 form) only.
func FuzzControl(f *testing.F) {
	for _, s := range []string{"93.184.215.14:443", "127.0.0.1:80", "[::1]:80", "[::ffff:10.0.0.1]:443",
		"[fe80::1%eth0]:80", "[64:ff9b::a9fe:a9fe]:80", "169.254.169.254:80", "example.com:80", "1.2.3.4",
		"[2002:7f00:1::]:80", "", ":80", "[::]:0"} {
		f.Add("tcp", s)
	}
	f.Add("unix", "/run/x.sock")
	f.Add("udp6", "[2001:db8::1]:53")
	strict := &Guard{}
	local := &Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	f.Fuzz(func(t *testing.T, network, address string) {
		for _, g := range []*Guard{strict, local, nil} {
			err := g.Control(network, address, nil)
			if err != nil {
				if !errors.Is(err, ErrBlocked) {
					t.Fatalf("Control(%q, %q): got %v, want an error wrapping ErrBlocked", network, address, err)
				}
				continue
			}
			host, _, serr := net.SplitHostPort(address)
			ip, perr := netip.ParseAddr(host)
			if serr != nil || perr != nil {
				t.Fatalf("Control(%q, %q): passed an address that is not an IP and port", network, address)
			}
			if g.Blocked(ip) {
				t.Fatalf("Control(%q, %q): passed %v, which Blocked refuses", network, address, ip)
			}
			if g == local && classify(ip.WithZone("")) != "" && !ip.WithZone("").Unmap().IsLoopback() {
				t.Fatalf("Control(%q, %q): allowing 127.0.0.0/8 let %v (%s) through", network, address, ip, classify(ip))
			}
		}
	})
}
