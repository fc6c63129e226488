package netguard

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	const (
		ok      = "ok"
		invalid = "invalid"
		blocked = "blocked"
	)
	long := "https://example.com/" + strings.Repeat("a", MaxURLLen-len("https://example.com/"))
	tests := []struct {
		url  string
		want string
		msg  string // exact message, when given
	}{
		{"https://example.com/callback", ok, ""},
		{"http://example.com:8080/cb?x=1#frag", ok, ""},
		{"HTTPS://Example.COM/cb", ok, ""},
		{"https://8.8.8.8/cb", ok, ""},
		{"https://[2606:4700::1111]:8443/cb", ok, ""},
		{"http://localhost.example.com/", ok, ""},
		{"http://mylocalhost/", ok, ""},
		{"http://134744072/", ok, ""}, // 8.8.8.8 in decimal: odd but public
		{"http://1.2.3.4.5/", ok, ""}, // not an address: a (bad) host name, left to the resolver
		{"http://example.com:/", ok, ""},
		{long, ok, ""},

		{"", invalid, "must not be empty"},
		{long + "a", invalid, "must be at most 2048 bytes, got 2049"},
		{"not a url", invalid, "must be an absolute http or https URL"},
		{"/relative/path", invalid, "must be an absolute http or https URL"},
		{"example.com/cb", invalid, "must be an absolute http or https URL"},
		{"ftp://example.com/", invalid, `scheme must be http or https, not "ftp"`},
		{"file:///etc/passwd", invalid, `scheme must be http or https, not "file"`},
		{"javascript:alert(1)", invalid, `scheme must be http or https, not "javascript"`},
		{"gopher://127.0.0.1:6379/_INFO", invalid, `scheme must be http or https, not "gopher"`},
		{"http://", invalid, "must have a host"},
		{"http:///path", invalid, "must have a host"},
		{"http:example.com", invalid, "must have a host"},
		{"http://:8080/", invalid, "must have a host"},
		{"http://user:pass@example.com/", invalid, "must not contain a user name or password"},
		{"http://user@example.com/", invalid, "must not contain a user name or password"},
		{"http://example.com:0/", invalid, "port must be between 1 and 65535"},
		{"http://example.com:65536/", invalid, "port must be between 1 and 65535"},
		{"http://example.com:99999999999999999999/", invalid, "port must be between 1 and 65535"},
		{"http://exa mple.com/", invalid, `is not a valid URL: invalid character " " in host name`},
		{"http://[::1/", invalid, "is not a valid URL: missing ']' in host"},
		{"http://::1/", invalid, ""},
		{"http://[foo]/", invalid, ""},
		{"http://%31%32%37.0.0.1/", invalid, ""},
		{"http://example.com/%zz", invalid, ""},

		{"http://127.0.0.1/", blocked, "host 127.0.0.1 is not allowed: it is loopback"},
		{"http://127.0.0.1:8080/cb", blocked, ""},
		{"http://[::1]:8080/", blocked, "host ::1 is not allowed: it is loopback"},
		{"http://[::ffff:127.0.0.1]/", blocked, ""},
		{"http://[::ffff:a9fe:a9fe]/", blocked, ""},
		{"http://[64:ff9b::7f00:1]/", blocked, ""},
		{"http://[fe80::1%25eth0]/", blocked, "host fe80::1%eth0 is not allowed: it is link-local"},
		{"http://[fd00:ec2::254]/latest/meta-data/", blocked, ""},
		{"http://169.254.169.254/latest/meta-data/", blocked, "host 169.254.169.254 is not allowed: it is link-local (cloud metadata service)"},
		{"http://10.0.0.1/", blocked, "host 10.0.0.1 is not allowed: it is private (RFC 1918)"},
		{"http://192.168.0.1/", blocked, ""},
		{"http://100.64.0.1/", blocked, ""},
		{"http://0.0.0.0:8080/", blocked, ""},
		{"http://0/", blocked, "host 0 is not allowed: it is unspecified"},
		{"http://255.255.255.255/", blocked, ""},
		// IPv4 in the legacy forms inet_aton and some URL parsers accept.
		{"http://2130706433/", blocked, "host 2130706433 is not allowed: it is loopback"},
		{"http://0x7f000001/", blocked, ""},
		{"http://0x7F.1/", blocked, ""},
		{"http://0177.0.0.1/", blocked, ""},
		{"http://127.000.000.001/", blocked, ""},
		{"http://127.1/", blocked, ""},
		{"http://127.0.1/", blocked, ""},
		{"http://0xa9.0xfe.0xa9.0xfe/", blocked, ""},
		{"http://127.0.0.1./", blocked, ""},
		{"http://012.1.2.3/", blocked, ""}, // octal 012 = 10
		// Localhost names.
		{"http://localhost/", blocked, "host localhost is not allowed: it is loopback"},
		{"http://LOCALHOST:8080/", blocked, ""},
		{"http://localhost./", blocked, ""},
		{"http://api.localhost/", blocked, ""},
		{"http://a.b.LocalHost./", blocked, ""},
	}
	var g Guard
	for _, tt := range tests {
		name := tt.url
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := g.CheckURL(tt.url)
			var got string
			switch {
			case err == nil:
				got = ok
			case errors.Is(err, ErrInvalidURL) && !errors.Is(err, ErrBlocked):
				got = invalid
			case errors.Is(err, ErrBlocked) && !errors.Is(err, ErrInvalidURL):
				got = blocked
			default:
				t.Fatalf("CheckURL(%q): got %v, want an error wrapping exactly one of ErrInvalidURL, ErrBlocked", tt.url, err)
			}
			if got != tt.want {
				t.Fatalf("CheckURL(%q): got %s (%v), want %s", tt.url, got, err, tt.want)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("CheckURL(%q): got message %q, want %q", tt.url, err.Error(), tt.msg)
			}
			if got == blocked {
				var be *BlockedError
				if !errors.As(err, &be) {
					t.Errorf("CheckURL(%q): got %T, want a *BlockedError inside", tt.url, err)
				}
			}
		})
	}
}

func TestCheckURLAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		allow string
		url   string
		ok    bool
	}{
		{"127.0.0.0/8", "http://127.0.0.1:8080/", true},
		{"127.0.0.0/8", "http://localhost:8080/", true},
		{"127.0.0.0/8", "http://2130706433/", true},
		{"::1/128", "http://localhost/", true},
		{"::1/128", "http://[::1]/", true},
		{"::1/128", "http://127.0.0.1/", false},
		{"10.0.0.0/8", "http://10.20.30.40/", true},
		{"10.0.0.0/8", "http://localhost/", false},
		{"10.0.0.0/8", "http://192.168.1.1/", false},
	}
	for _, tt := range tests {
		t.Run(tt.allow+" "+tt.url, func(t *testing.T) {
			t.Parallel()
			g := &Guard{Allow: []netip.Prefix{netip.MustParsePrefix(tt.allow)}}
			err := g.CheckURL(tt.url)
			if tt.ok && err != nil {
				t.Errorf("Allow %s, CheckURL(%q): got %v, want nil", tt.allow, tt.url, err)
			}
			if !tt.ok && !errors.Is(err, ErrBlocked) {
				t.Errorf("Allow %s, CheckURL(%q): got %v, want an error wrapping ErrBlocked", tt.allow, tt.url, err)
			}
		})
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means not an address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0X7F.0.0.1", "127.0.0.1"},
		{"0177.0.0.01", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"4294967295", "255.255.255.255"},
		{"1.16777215", "1.255.255.255"},
		{"1.2.65535", "1.2.255.255"},
		{"4294967296", ""},
		{"1.16777216", ""},
		{"1.2.65536", ""},
		{"1.2.3.256", ""},
		{"256.1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"08.1.2.3", ""}, // 8 is not an octal digit
		{"1..2", ""},
		{"", ""},
		{".", ""},
		{"+1", ""},
		{"-1", ""},
		{"1_0", ""},
		{"0x1g", ""},
		{"example.com", ""},
	}
	for _, tt := range tests {
		got, ok := parseLegacyIPv4(tt.in)
		switch {
		case tt.want == "" && ok:
			t.Errorf("parseLegacyIPv4(%q): got %s, want not an address", tt.in, got)
		case tt.want != "" && (!ok || got.String() != tt.want):
			t.Errorf("parseLegacyIPv4(%q): got %s, %v, want %s", tt.in, got, ok, tt.want)
		}
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/cb",
		"http://127.0.0.1:8080/",
		"http://[::ffff:127.0.0.1]/",
		"http://[fe80::1%25eth0]/",
		"http://2130706433/",
		"http://0x7f.1/",
		"http://localhost./",
		"http://user:pw@example.com/",
		"ftp://example.com/",
		"http://[64:ff9b::a9fe:a9fe]/",
		"",
	} {
		f.Add(s)
	}
	g := &Guard{}
	f.Fuzz(func(t *testing.T, raw string) {
		err := g.CheckURL(raw)
		invalid, blocked := errors.Is(err, ErrInvalidURL), errors.Is(err, ErrBlocked)
		if err != nil {
			if invalid == blocked {
				t.Fatalf("CheckURL(%q): got %v, want an error wrapping exactly one of ErrInvalidURL, ErrBlocked", raw, err)
			}
			return
		}
		if len(raw) > MaxURLLen {
			t.Fatalf("CheckURL(%q): accepted %d bytes, want at most %d", raw, len(raw), MaxURLLen)
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("CheckURL(%q): accepted a URL url.Parse refuses: %v", raw, perr)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("CheckURL(%q): accepted scheme %q host %q user %v", raw, u.Scheme, u.Hostname(), u.User)
		}
		if ip, perr := netip.ParseAddr(u.Hostname()); perr == nil && g.Blocked(ip) {
			t.Fatalf("CheckURL(%q): accepted blocked address %s", raw, ip)
		}
		if ip, ok := parseLegacyIPv4(strings.TrimSuffix(u.Hostname(), ".")); ok && g.Blocked(ip) {
			t.Fatalf("CheckURL(%q): accepted blocked address %s in legacy form", raw, ip)
		}
	})
}
