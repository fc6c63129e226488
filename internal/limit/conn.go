package limit

import (
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// busyBody is the body of the answer a connection over a cap gets before
// it is closed.
const busyBody = "mvgen: too many open connections (from your address or in all); retry in a second\n"

// busyAnswer is a complete HTTP/1.1 answer, so a client sees why instead of
// a reset. It is written without reading the request (a server may answer
// early).
var busyAnswer = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Retry-After: 1\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(busyBody)) + "\r\n" +
	"\r\n" + busyBody)

// Conns is a net.Listener that holds at most Max open connections in all
// and at most PerAddr from one client address (IP, port ignored). A
// connection over either cap is answered 503 with Retry-After and closed at
// once, so a flood from one address cannot take the sockets and file
// descriptors that other clients (and /healthz) need. A cap of 0 or less is
// no cap.
//
// Behind a reverse proxy every connection comes from the proxy's address:
// PerAddr must then allow the proxy's connection pool (or be off).
type Conns struct {
	net.Listener
	Max, PerAddr int
	// OnRefused, when set, is called for each refused connection (a metric).
	OnRefused func()

	mu     sync.Mutex
	open   int
	byAddr map[netip.Addr]int
}

// Accept returns the next connection within the caps, answering and
// closing those over them.
func (l *Conns) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteAddr(c)
		if l.take(addr) {
			return &countedConn{Conn: c, release: func() { l.release(addr) }}, nil
		}
		if l.OnRefused != nil {
			l.OnRefused()
		}
		go refuse(c)
	}
}

// Open reports how many accepted connections are open.
func (l *Conns) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

func (l *Conns) take(addr netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Max > 0 && l.open >= l.Max {
		return false
	}
	if l.PerAddr > 0 && l.byAddr[addr] >= l.PerAddr {
		return false
	}
	if l.byAddr == nil {
		l.byAddr = make(map[netip.Addr]int)
	}
	l.open++
	l.byAddr[addr]++
	return true
}

func (l *Conns) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// refuse writes the busy answer (bounded in time: the client may not read)
// and closes c.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write(busyAnswer)
	if tc, ok := c.(*net.TCPConn); ok {
		// Lingering unread request bytes would turn the close into a reset
		// that can destroy the answer in flight; close the write side first.
		tc.CloseWrite()
	}
	c.Close()
}

func remoteAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// countedConn gives its slot back once, on the first Close.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
