package delivery

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/netguard"
)

// TestAttemptErrorsShowNoInternals: the attempt log (and record-info's
// lastError) names the class of a failure, never the server's dial
// details: resolved addresses, ports, "dial tcp", netguard's wording.
func TestAttemptErrorsShowNoInternals(t *testing.T) {
	t.Parallel()
	closedPort := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/"
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
	}))
	t.Cleanup(hangUp.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)

	for _, tt := range []struct {
		name, url string
		allow     bool
		want      string
	}{
		{"resolves to loopback", strings.Replace(plain.URL, "127.0.0.1", "localhost", 1), false,
			"refused: the receiver's address is loopback, which mvgen does not call (the operator can open a network with --callback-allow-net)"},
		{"connection refused", closedPort(), true, "connection refused"},
		{"timeout", slow.URL, true, "timeout: no answer within 300ms"},
		{"untrusted certificate", tlsSrv.URL, true, "TLS error: the receiver's certificate is not signed by a trusted authority"},
		{"https to a plain server", strings.Replace(plain.URL, "http:", "https:", 1), true,
			"TLS error: the receiver did not answer TLS (is the URL http rather than https?)"},
		{"hang-up", hangUp.URL, true, "the receiver closed the connection without answering"},
		{"500", failing.URL, true, "receiver answered 500 Internal Server Error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.allow)
			g := &netguard.Guard{}
			if tt.allow {
				g.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			}
			f.w.Client = g.Client(300 * time.Millisecond)
			id := f.finished(tt.url)
			f.step(id)
			a := f.attempts(id)
			if len(a) != 1 {
				t.Fatalf("%d attempts, want 1", len(a))
			}
			if a[0].Error != tt.want {
				t.Errorf("attempt error = %q, want %q", a[0].Error, tt.want)
			}
			for _, leak := range []string{"127.0.0.1", "dial tcp", "netguard", "::1"} {
				if strings.Contains(a[0].Error, leak) {
					t.Errorf("attempt error %q shows %q", a[0].Error, leak)
				}
			}
		})
	}
}

// TestLasting: the failures record-info reports as a problem (retrying
// alone will not cure them) are a host name that does not exist, an
// address mvgen does not call and an invalid certificate; a refused
// connection, a timeout or a receiver's 500 are not.
func TestLasting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&net.DNSError{Err: "no such host", Name: "hooks.example.invalid", IsNotFound: true}, true},
		{&net.DNSError{Err: "server misbehaving", Name: "hooks.example.com", IsTemporary: true}, false},
		{&netguard.BlockedError{Class: "loopback"}, true},
		{syscall.ECONNREFUSED, false},
		{context.DeadlineExceeded, false},
		{answerErrorf("receiver answered 500"), false},
	} {
		d := describe(tc.err, time.Second)
		if got := Lasting(d); got != tc.want {
			t.Errorf("Lasting(%q) = %v, want %v", d, got, tc.want)
		}
	}
}
