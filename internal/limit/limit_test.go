package limit_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/limit"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    limit.Rate
		wantErr bool
	}{
		{"10/s", limit.Rate{Events: 10, Per: time.Second}, false},
		{"600/m", limit.Rate{Events: 600, Per: time.Minute}, false},
		{" 60/h ", limit.Rate{Events: 60, Per: time.Hour}, false},
		{"off", limit.Off, false},
		{"0/s", limit.Rate{}, true},
		{"-1/s", limit.Rate{}, true},
		{"10", limit.Rate{}, true},
		{"10/d", limit.Rate{}, true},
		{"1.5/s", limit.Rate{}, true},
		{"", limit.Rate{}, true},
	} {
		got, err := limit.ParseRate(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, _ := limit.ParseRate(got.String()); back != got {
				t.Errorf("ParseRate(%q).String() = %q does not read back", tt.in, got.String())
			}
		}
	}
}

func TestKeyedBurstThenRetryAfter(t *testing.T) {
	t.Parallel()
	var limited []string
	k := &limit.Keyed{Rate: limit.Rate{Events: 2, Per: time.Second}, Burst: 3,
		OnLimited: func(route string) { limited = append(limited, route) }}
	now := time.Unix(1_800_000_000, 0)
	for i := range 3 {
		if ok, _ := k.Allow("a", "r", now); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := k.Allow("a", "generate", now)
	if ok || wait != 500*time.Millisecond {
		t.Errorf("4th request: got ok=%v wait=%v, want refused with 500ms", ok, wait)
	}
	if got := limit.RetryAfterSeconds(wait); got != 1 {
		t.Errorf("RetryAfterSeconds(%v) = %d, want 1 (rounded up)", wait, got)
	}
	if len(limited) != 1 || limited[0] != "generate" {
		t.Errorf("OnLimited calls = %q, want [generate]", limited)
	}
	if ok, _ := k.Allow("b", "r", now); !ok {
		t.Errorf("another key was refused: buckets must be per key")
	}
	// A refusal takes no token: half a second later one is due.
	if ok, _ := k.Allow("a", "r", now.Add(500*time.Millisecond)); !ok {
		t.Errorf("after the Retry-After: refused, want allowed")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d    time.Duration
		want int64
	}{{time.Nanosecond, 1}, {time.Second, 1}, {time.Second + time.Millisecond, 2}, {59500 * time.Millisecond, 60}} {
		if got := limit.RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

// TestKeyedEvictsFullBuckets: memory stays bounded by the active keys.
func TestKeyedEvictsFullBuckets(t *testing.T) {
	t.Parallel()
	k := &limit.Keyed{Rate: limit.Rate{Events: 10, Per: time.Second}, Burst: 20}
	now := time.Unix(1_800_000_000, 0)
	for i := range 10_000 {
		// Each key is seen once; 2 s later its bucket (20 at 10/s) is full.
		k.Allow(fmt.Sprint("key", i), "r", now.Add(time.Duration(i)*time.Millisecond))
	}
	if got := k.Len(); got > 4200 {
		t.Errorf("after 10000 keys seen once over 10 s: %d buckets held, want at most ~2×2000 (the keys of the last 2 s)", got)
	}
	// A bucket that is not full is kept: its key is still limited.
	k2 := &limit.Keyed{Rate: limit.Rate{Events: 1, Per: time.Hour}, Burst: 1}
	k2.Allow("busy", "r", now)
	for i := range 1000 {
		k2.Allow(fmt.Sprint("k", i), "r", now.Add(time.Duration(i)*time.Second))
	}
	if ok, _ := k2.Allow("busy", "r", now.Add(1000*time.Second)); ok {
		t.Errorf("a key whose bucket was empty got a fresh bucket after a sweep")
	}
}

func TestKeyedZeroAndOffAllowAll(t *testing.T) {
	t.Parallel()
	for _, k := range []*limit.Keyed{nil, {}, {Rate: limit.Off, Burst: 1}} {
		for range 100 {
			if ok, _ := k.Allow("a", "r", time.Now()); !ok {
				t.Fatalf("%+v refused a request, want no limit", k)
			}
		}
	}
}

// TestMinRateBody runs a real server: a client that stops sending is cut
// off within about one window; a slow but steady one is not.
func TestMinRateBody(t *testing.T) {
	t.Parallel()
	// Wide margins: the machine running the test may be loaded, and a
	// sender's sleeps then stretch.
	const window = 600 * time.Millisecond
	type result struct {
		n   int64
		err error
	}
	const chunk = 400
	results := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := limit.MinRateBody(w, r, 1000, window) // 600 bytes a window
		n, err := io.Copy(io.Discard, body)
		results <- result{n, err}
		w.WriteHeader(http.StatusRequestTimeout)
	}))
	t.Cleanup(srv.Close)

	send := func(chunks int, every time.Duration, total int) (time.Duration, result) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total)
		for range chunks {
			conn.Write([]byte(strings.Repeat("x", chunk)))
			time.Sleep(every)
		}
		select {
		case r := <-results:
			return time.Since(start), r
		case <-time.After(10 * time.Second):
			t.Fatal("the handler is still reading after 10 s")
		}
		return 0, result{}
	}

	// Stalled: one chunk, then nothing of the 1 MB announced.
	took, r := send(1, 0, 1<<20)
	var stalled *limit.StalledError
	if !errors.As(r.err, &stalled) || !errors.Is(r.err, limit.ErrStalled) {
		t.Errorf("stalled body: got %d bytes, err %v; want a *StalledError", r.n, r.err)
	}
	if took > 2*window+200*time.Millisecond {
		t.Errorf("stalled body ended after %v, want about one window (%v)", took, window)
	}

	// Steady: a chunk every 100 ms (4000 B/s, four times the minimum) for
	// several windows' time.
	took, r = send(20, 100*time.Millisecond, 20*chunk)
	if r.err != nil || r.n != 20*chunk {
		t.Errorf("steady body (%v): got %d bytes, err %v; want all %d", took, r.n, r.err, 20*chunk)
	}

	// The answer to a stalled body still reaches the client.
	conn, _ := net.Dial("tcp", srv.Listener.Addr().String())
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	<-results
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("answer after a stall: %v, %v; want 408", resp, err)
	}
}
