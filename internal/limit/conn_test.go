package limit_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/limit"
)

// serve runs an HTTP server that answers "ok" on a Conns listener.
func serve(t *testing.T, max, perAddr int) (*limit.Conns, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := &limit.Conns{Listener: l, Max: max, PerAddr: perAddr}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }),
		ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(conns)
	t.Cleanup(func() { srv.Close() })
	return conns, l.Addr().String()
}

// dialFrom opens a connection to addr from the loopback address from.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends one GET on c and returns the status line.
func get(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		return "write: " + err.Error()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "read: " + err.Error()
	}
	return strings.TrimSpace(line)
}

func waitOpen(t *testing.T, l *limit.Conns, want int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for l.Open() != want {
		if time.Now().After(deadline) {
			t.Fatalf("open connections: got %d, want %d", l.Open(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConnsPerAddr(t *testing.T) {
	l, addr := serve(t, 0, 2)
	a1, a2 := dialFrom(t, "127.0.0.2", addr), dialFrom(t, "127.0.0.2", addr)
	waitOpen(t, l, 2)
	if got := get(t, dialFrom(t, "127.0.0.2", addr)); got != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("third connection from one address: got %q, want the 503", got)
	}
	// Another address is not held back by the first one's flood.
	if got := get(t, dialFrom(t, "127.0.0.3", addr)); got != "HTTP/1.1 200 OK" {
		t.Errorf("a connection from another address: got %q, want 200", got)
	}
	// A closed connection gives its slot back.
	a1.Close()
	a2.Close()
	waitOpen(t, l, 1)
	if got := get(t, dialFrom(t, "127.0.0.2", addr)); got != "HTTP/1.1 200 OK" {
		t.Errorf("after the address's connections closed: got %q, want 200", got)
	}
}

func TestConnsMax(t *testing.T) {
	l, addr := serve(t, 3, 0)
	for _, from := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"} {
		dialFrom(t, from, addr)
	}
	waitOpen(t, l, 3)
	if got := get(t, dialFrom(t, "127.0.0.5", addr)); got != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("over the cap: got %q, want the 503", got)
	}
}

func TestConnsOff(t *testing.T) {
	l, addr := serve(t, 0, 0)
	for range 20 {
		dialFrom(t, "127.0.0.2", addr)
	}
	waitOpen(t, l, 20)
	if got := get(t, dialFrom(t, "127.0.0.2", addr)); got != "HTTP/1.1 200 OK" {
		t.Errorf("with no caps: got %q, want 200", got)
	}
}
