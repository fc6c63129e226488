package netguard

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBlockedClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr  string
		class string // "" means not blocked
	}{
		// Loopback.
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		// RFC 1918 and ULA.
		{"10.0.0.1", "private (RFC 1918)"},
		{"10.255.255.255", "private (RFC 1918)"},
		{"172.16.0.1", "private (RFC 1918)"},
		{"172.31.255.255", "private (RFC 1918)"},
		{"192.168.1.1", "private (RFC 1918)"},
		{"fc00::1", "unique local (ULA)"},
		{"fd00:ec2::254", "unique local (ULA)"},
		// Link-local.
		{"169.254.169.254", "link-local (cloud metadata service)"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"febf:ffff::1", "link-local"},
		// CGNAT.
		{"100.64.0.1", "shared address space (CGNAT)"},
		{"100.127.255.255", "shared address space (CGNAT)"},
		// Multicast.
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff0e::101", "multicast"},
		// Unspecified, this network, broadcast, reserved.
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", `"this network"`},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.254", "reserved"},
		// Benchmarking.
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"2001:2::1", "benchmarking"},
		// Documentation.
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.200", "documentation"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		// Other special-purpose.
		{"192.0.0.1", "IETF protocol assignments"},
		{"192.0.0.170", "IETF protocol assignments"},
		{"192.88.99.1", "6to4 relay anycast"},
		{"100::1", "discard-only"},
		{"fec0::1", "site-local"},
		{"64:ff9b:1::1", "NAT64 local-use"},
		// IPv4-mapped forms are unmapped first.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private (RFC 1918)"},
		{"::ffff:169.254.169.254", "link-local (cloud metadata service)"},
		{"::ffff:0.0.0.0", "unspecified"},
		{"::ffff:255.255.255.255", "broadcast"},
		{"::ffff:7f00:1", "loopback"},
		// IPv6 forms that embed an IPv4 address.
		{"64:ff9b::7f00:1", "loopback (NAT64 form of 127.0.0.1)"},
		{"64:ff9b::10.0.0.1", "private (RFC 1918) (NAT64 form of 10.0.0.1)"},
		{"64:ff9b::169.254.169.254", "link-local (cloud metadata service) (NAT64 form of 169.254.169.254)"},
		{"::127.0.0.1", "loopback (IPv4-compatible form of 127.0.0.1)"},
		{"::192.168.0.1", "private (RFC 1918) (IPv4-compatible form of 192.168.0.1)"},
		{"::ffff:0:127.0.0.1", "loopback (IPv4-translated form of 127.0.0.1)"},
		{"2002:7f00:1::1", "loopback (6to4 form of 127.0.0.1)"},
		{"2002:a9fe:a9fe::1", "link-local (cloud metadata service) (6to4 form of 169.254.169.254)"},
		{"2001:0:7f00:1::1", "loopback (Teredo form of 127.0.0.1)"},
		{"2001:0:808:808::80ff:fffe", "loopback (Teredo form of 127.0.0.1)"},                  // client 127.0.0.1, obfuscated
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "documentation (Teredo form of 192.0.2.45)"}, // RFC 4380's example
		// Public addresses, including neighbours of blocked ranges.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.215.14", ""},
		{"2606:4700::1111", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"11.0.0.1", ""},
		{"172.15.255.255", ""},
		{"172.32.0.1", ""},
		{"192.169.0.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.1", ""},
		{"198.17.255.255", ""},
		{"198.20.0.1", ""},
		{"223.255.255.255", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::8.8.8.8", ""},
		{"::8.8.8.8", ""},
		{"2002:808:808::1", ""},
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", ""}, // Teredo: server 65.54.227.120, client 8.8.8.8
	}
	var g Guard
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tt.addr)
			class, blocked := g.check(ip)
			if blocked != (tt.class != "") || class != tt.class {
				t.Errorf("check(%s) = %q, %v; want %q, %v", tt.addr, class, blocked, tt.class, tt.class != "")
			}
			if got, want := g.Blocked(ip), tt.class != ""; got != want {
				t.Errorf("Blocked(%s): got %v, want %v", tt.addr, got, want)
			}
			// The same address at connect time: the dialer's Control hook
			// sees the resolved address and refuses before connect(2).
			err := g.Dialer().Control("tcp", netip.AddrPortFrom(ip, 443).String(), nil)
			if got, want := errors.Is(err, ErrBlocked), tt.class != ""; got != want {
				t.Errorf("Dialer().Control(%s): got %v, want blocked=%v", tt.addr, err, want)
			}
		})
	}
}

func TestBlockedInvalidAddr(t *testing.T) {
	t.Parallel()
	g := &Guard{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}
	if got := g.Blocked(netip.Addr{}); !got {
		t.Errorf("Blocked(zero Addr): got %v, want true", got)
	}
}

func TestBlockedNilGuard(t *testing.T) {
	t.Parallel()
	var g *Guard
	if got := g.Blocked(netip.MustParseAddr("127.0.0.1")); !got {
		t.Errorf("nil Guard Blocked(127.0.0.1): got %v, want true", got)
	}
	if got := g.Blocked(netip.MustParseAddr("8.8.8.8")); got {
		t.Errorf("nil Guard Blocked(8.8.8.8): got %v, want false", got)
	}
}

func TestAllow(t *testing.T) {
	t.Parallel()
	prefixes := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}
	tests := []struct {
		name    string
		allow   []netip.Prefix
		addr    string
		blocked bool
	}{
		{"loopback reopened", prefixes("127.0.0.0/8"), "127.0.0.1", false},
		{"loopback reopened, mapped form", prefixes("127.0.0.0/8"), "::ffff:127.0.0.1", false},
		{"IPv4 loopback does not reopen ::1", prefixes("127.0.0.0/8"), "::1", true},
		{"::1 reopened", prefixes("::1/128"), "::1", false},
		{"private /8 reopened", prefixes("10.0.0.0/8"), "10.1.2.3", false},
		{"narrow allow", prefixes("10.1.0.0/16"), "10.2.0.1", true},
		{"other private class stays blocked", prefixes("10.0.0.0/8"), "192.168.1.1", true},
		{"mapped prefix matches raw form", prefixes("::ffff:192.168.0.0/112"), "::ffff:192.168.1.1", false},
		{"ULA reopened", prefixes("fd00::/8"), "fd12::1", false},
		{"zone ignored", prefixes("fe80::/10"), "fe80::1%eth0", false},
		{"metadata reopened only when listed", prefixes("169.254.0.0/16"), "169.254.169.254", false},
		{"several prefixes", prefixes("10.0.0.0/8", "192.168.0.0/16"), "192.168.7.7", false},
		{"public stays open", prefixes("10.0.0.0/8"), "8.8.8.8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &Guard{Allow: tt.allow}
			if got := g.Blocked(netip.MustParseAddr(tt.addr)); got != tt.blocked {
				t.Errorf("Allow %v, Blocked(%s): got %v, want %v", tt.allow, tt.addr, got, tt.blocked)
			}
		})
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		network, address string
		wantErr          string // "" means allowed
	}{
		{"tcp", "127.0.0.1:80", "netguard: 127.0.0.1 is loopback; refusing to connect"},
		{"tcp6", "[::1]:443", "netguard: ::1 is loopback; refusing to connect"},
		{"tcp4", "169.254.169.254:80", "netguard: 169.254.169.254 is link-local (cloud metadata service); refusing to connect"},
		{"tcp", "[::ffff:10.0.0.1]:80", "netguard: ::ffff:10.0.0.1 is private (RFC 1918); refusing to connect"},
		{"tcp", "[fe80::1%eth0]:80", "netguard: fe80::1%eth0 is link-local; refusing to connect"},
		{"udp", "224.0.0.251:5353", "netguard: 224.0.0.251 is multicast; refusing to connect"},
		{"unix", "/run/docker.sock", `netguard: refusing to dial "/run/docker.sock" over network "unix": netguard: address blocked`},
		{"tcp", "localhost:80", `netguard: cannot parse dial address "localhost:80": netguard: address blocked`},
		{"tcp", "8.8.8.8", `netguard: cannot parse dial address "8.8.8.8": netguard: address blocked`},
		{"tcp", "8.8.8.8:53", ""},
		{"tcp6", "[2606:4700::1111]:443", ""},
	}
	var g Guard
	for _, tt := range tests {
		t.Run(tt.network+" "+tt.address, func(t *testing.T) {
			t.Parallel()
			err := g.Control(tt.network, tt.address, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Control(%s, %s): got %v, want nil", tt.network, tt.address, err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Control(%s, %s): got %v, want %s", tt.network, tt.address, err, tt.wantErr)
			}
			if !errors.Is(err, ErrBlocked) {
				t.Errorf("Control(%s, %s): got %v, want an error wrapping ErrBlocked", tt.network, tt.address, err)
			}
		})
	}
}

func TestControlBlockedError(t *testing.T) {
	t.Parallel()
	err := (&Guard{}).Control("tcp", "10.9.8.7:80", nil)
	var be *BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("got %T %v, want a *BlockedError", err, err)
	}
	if be.Addr != "10.9.8.7" || be.Class != "private (RFC 1918)" {
		t.Errorf("got Addr %q Class %q, want Addr %q Class %q", be.Addr, be.Class, "10.9.8.7", "private (RFC 1918)")
	}
}

func TestDialer(t *testing.T) {
	t.Parallel()
	d := (&Guard{}).Dialer()
	if d.Timeout != 10*time.Second || d.KeepAlive != 30*time.Second {
		t.Errorf("got Timeout %v KeepAlive %v, want 10s 30s", d.Timeout, d.KeepAlive)
	}
	if d.Control == nil {
		t.Fatal("got nil Control, want the guard's")
	}
	if _, err := d.Dial("tcp", "127.0.0.1:1"); !errors.Is(err, ErrBlocked) {
		t.Errorf("Dial 127.0.0.1:1: got %v, want an error wrapping ErrBlocked", err)
	}
}

func TestClientConfig(t *testing.T) {
	t.Parallel()
	c := (&Guard{}).Client(7 * time.Second)
	if c.Timeout != 7*time.Second {
		t.Errorf("got Timeout %v, want 7s", c.Timeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("got Transport %T, want *http.Transport", c.Transport)
	}
	if tr == http.DefaultTransport {
		t.Error("got http.DefaultTransport, want a transport of its own")
	}
	if tr.Proxy != nil {
		t.Error("got a Proxy func, want nil (never an environment proxy)")
	}
	//lint:ignore SA1019 the deprecated dial hooks must stay unset, or they would bypass the guard
	if tr.DialContext == nil || tr.DialTLSContext != nil || tr.Dial != nil || tr.DialTLS != nil {
		t.Error("want DialContext set and no other dial function")
	}
	if tr.TLSHandshakeTimeout <= 0 || tr.IdleConnTimeout <= 0 || tr.MaxIdleConnsPerHost <= 0 {
		t.Errorf("got TLSHandshakeTimeout %v IdleConnTimeout %v MaxIdleConnsPerHost %d, want all > 0",
			tr.TLSHandshakeTimeout, tr.IdleConnTimeout, tr.MaxIdleConnsPerHost)
	}
}

// TestClientConnect makes real connections over loopback: the guarded client
// must refuse them by literal address and by a host name that resolves to
// loopback, and reach them once Allow reopens loopback.
func TestClientConnect(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{
		"http://127.0.0.1:" + port + "/",
		"http://localhost:" + port + "/",
	}

	t.Run("blocked", func(t *testing.T) {
		c := (&Guard{}).Client(5 * time.Second)
		for _, u := range urls {
			resp, err := c.Get(u)
			if err == nil {
				resp.Body.Close()
				t.Errorf("GET %s: got status %d, want an error wrapping ErrBlocked", u, resp.StatusCode)
				continue
			}
			if !errors.Is(err, ErrBlocked) {
				t.Errorf("GET %s: got %v, want an error wrapping ErrBlocked", u, err)
			}
		}
		if n := hits.Load(); n != 0 {
			t.Errorf("got %d requests at the server, want 0", n)
		}
	})

	t.Run("allowed", func(t *testing.T) {
		g := &Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
		c := g.Client(5 * time.Second)
		for _, u := range urls {
			resp, err := c.Get(u)
			if err != nil {
				t.Errorf("GET %s with 127.0.0.0/8 allowed: got %v, want success", u, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "ok" {
				t.Errorf("GET %s: got %d %q, want 200 \"ok\"", u, resp.StatusCode, body)
			}
		}
	})
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var targetHits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/target", http.StatusFound)
	})
	mux.HandleFunc("GET /target", func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	g := &Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	resp, err := g.Client(5 * time.Second).Get(srv.URL + "/redirect")
	if err != nil {
		t.Fatalf("GET /redirect: got %v, want the 302 response", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("got status %d, want %d", resp.StatusCode, http.StatusFound)
	}
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/target") {
		t.Errorf("got Location %q, want .../target", loc)
	}
	if n := targetHits.Load(); n != 0 {
		t.Errorf("got %d requests at the redirect target, want 0", n)
	}
}
