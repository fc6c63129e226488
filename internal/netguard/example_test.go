package netguard_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"time"

	"github.com/mvgen/mvgen/internal/netguard"
)

// The zero Guard refuses internal addresses; Allow opens networks again.
func ExampleGuard_Blocked() {
	var strict netguard.Guard
	dev := netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	for _, s := range []string{"8.8.8.8", "127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1"} {
		ip := netip.MustParseAddr(s)
		fmt.Printf("%-22s strict blocked: %-5v dev blocked: %v\n", s, strict.Blocked(ip), dev.Blocked(ip))
	}
	// Output:
	// 8.8.8.8                strict blocked: false dev blocked: false
	// 127.0.0.1              strict blocked: true  dev blocked: false
	// ::ffff:169.254.169.254 strict blocked: true  dev blocked: true
	// 64:ff9b::a00:1         strict blocked: true  dev blocked: true
}

// CheckURL validates a URL when a request is submitted, without resolving
// host names.
func ExampleGuard_CheckURL() {
	var g netguard.Guard
	for _, u := range []string{
		"https://example.com/callback",
		"http://169.254.169.254/latest/meta-data/",
		"http://localhost:8080/",
		"ftp://example.com/",
	} {
		err := g.CheckURL(u)
		switch {
		case err == nil:
			fmt.Printf("%s: ok\n", u)
		case errors.Is(err, netguard.ErrBlocked):
			fmt.Printf("%s: blocked: %v\n", u, err)
		case errors.Is(err, netguard.ErrInvalidURL):
			fmt.Printf("%s: invalid: %v\n", u, err)
		}
	}
	// Output:
	// https://example.com/callback: ok
	// http://169.254.169.254/latest/meta-data/: blocked: host 169.254.169.254 is not allowed: it is link-local (cloud metadata service)
	// http://localhost:8080/: blocked: host localhost is not allowed: it is loopback
	// ftp://example.com/: invalid: scheme must be http or https, not "ftp"
}

// Client refuses, at connect time, every address the guard blocks, whatever
// name led to it.
func ExampleGuard_Client() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	client := (&netguard.Guard{}).Client(10 * time.Second)
	_, err := client.Post(srv.URL, "application/json", nil)
	var be *netguard.BlockedError
	if errors.As(err, &be) {
		fmt.Println(be)
	}
	// Output:
	// netguard: 127.0.0.1 is loopback; refusing to connect
}
