package delivery

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/webhook"
)

// fixture is a real SQLite store with one key and a worker over it.
type fixture struct {
	t   *testing.T
	db  *sqlite.Store
	q   *queue.Queue[*sql.Tx]
	key *mvgen.Key
	w   *Worker
}

func newFixture(t *testing.T, allowLoopback bool) *fixture {
	t.Helper()
	opened, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(opened.QueueDriver(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewStore(opened, q)
	t.Cleanup(func() { db.Close() })
	secret, _ := webhook.NewSecret()
	k := &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: secret, CreatedAt: time.Now()}
	if err := db.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	g := &netguard.Guard{}
	if allowLoopback {
		g.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	w := &Worker{Store: db, Queue: q, Client: g.Client(2 * time.Second), Links: &link.Signer{Key: link.NewKey(), BaseURL: "http://v"},
		Schedule: []time.Duration{time.Second, time.Second}, Logger: slog.New(slog.DiscardHandler)}
	w.init()
	return &fixture{t: t, db: db, q: q, key: k, w: w}
}

// finished stores a successfully finished task with a callback URL.
func (f *fixture) finished(callbackURL string) string {
	f.t.Helper()
	ctx := context.Background()
	tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: f.key.ID, MusicTaskID: "m", AudioID: "a", CallbackURL: callbackURL,
		Status: mvgen.StatusPending, RenderKey: mvgen.NewID(), WebhookID: "msg_" + mvgen.NewID(), CreatedAt: time.Now()}
	if _, err := f.db.CreateTask(ctx, tk); err != nil {
		f.t.Fatal(err)
	}
	now := time.Now()
	if _, err := f.db.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: "v",
		CompletedAt: now, ExpiresAt: now.Add(link.Validity)}); err != nil {
		f.t.Fatal(err)
	}
	return tk.ID
}

func (f *fixture) step(id string) time.Duration {
	f.t.Helper()
	next, err := f.w.step(context.Background(), id, 1)
	if err != nil {
		f.t.Fatalf("step: %v", err)
	}
	return next
}

func (f *fixture) attempts(id string) []*mvgen.Attempt {
	f.t.Helper()
	a, err := f.db.Attempts(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) status(id string) mvgen.Status {
	tk, err := f.db.Task(context.Background(), "", id)
	if err != nil {
		f.t.Fatal(err)
	}
	return tk.Status
}

func answer(status int, header ...string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, strings.Repeat("x", 3000))
	}))
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		after    string
		min, max time.Duration
	}{
		{"no header", 503, "", 700 * time.Millisecond, 1200 * time.Millisecond},
		{"longer than scheduled", 503, "2", 1900 * time.Millisecond, 2 * time.Second},
		{"bounded to twice scheduled", 429, "3600", 1900 * time.Millisecond, 2 * time.Second},
		{"HTTP date", 503, time.Now().Add(90 * time.Minute).UTC().Format(http.TimeFormat), 1900 * time.Millisecond, 2 * time.Second},
		{"ignored on 500", 500, "3600", 700 * time.Millisecond, 1200 * time.Millisecond},
		{"shorter than scheduled", 503, "0", 700 * time.Millisecond, 1200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, true)
			srv := answer(tc.status, "Retry-After", tc.after)
			defer srv.Close()
			id := f.finished(srv.URL)
			if wait := f.step(id); wait < tc.min || wait > tc.max {
				t.Errorf("next attempt in %v, want between %v and %v", wait, tc.min, tc.max)
			}
			if a := f.attempts(id); len(a) != 1 || len(a[0].Response) != responseCap || a[0].StatusCode != tc.status {
				t.Errorf("attempt log = %+v, want one attempt with %d and 1 KiB of answer", a, tc.status)
			}
			if wait := f.step(id); wait <= 0 {
				t.Errorf("a step before the retry is due sent another attempt (wait %v)", wait)
			}
			if n := len(f.attempts(id)); n != 1 {
				t.Errorf("%d attempts logged, want 1", n)
			}
		})
	}
}

func TestGoneAndScheduleSpent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	gone := answer(410)
	defer gone.Close()
	id := f.finished(gone.URL)
	if next := f.step(id); next >= 0 {
		t.Errorf("after 410: next %v, want the delivery over", next)
	}
	if got := f.status(id); got != mvgen.StatusCallbackException {
		t.Errorf("after 410: status %s, want CALLBACK_EXCEPTION", got)
	}

	f.w.Schedule = []time.Duration{time.Millisecond}
	down := answer(500)
	defer down.Close()
	id = f.finished(down.URL)
	if next := f.step(id); next < 0 {
		t.Fatalf("after the first failure: delivery over, want a retry")
	}
	time.Sleep(5 * time.Millisecond)
	if next := f.step(id); next >= 0 {
		t.Errorf("after the last attempt: next %v, want over", next)
	}
	if n, got := len(f.attempts(id)), f.status(id); n != 2 || got != mvgen.StatusCallbackException {
		t.Errorf("%d attempts, status %s; want 2 and CALLBACK_EXCEPTION", n, got)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	var hit atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Add(1) }))
	defer target.Close()
	redirect := answer(http.StatusFound, "Location", target.URL)
	defer redirect.Close()
	id := f.finished(redirect.URL)
	if next := f.step(id); next < 0 {
		t.Errorf("a 302 ended the delivery; want a retry")
	}
	a := f.attempts(id)
	if len(a) != 1 || a[0].StatusCode != 302 || a[0].OK() || !strings.Contains(a[0].Error, "redirects are not followed") {
		t.Errorf("attempt = %+v, want a failed 302", a[0])
	}
	if hit.Load() != 0 {
		t.Errorf("the redirect target was called %d times", hit.Load())
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	g := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	f.w.Client = g.Client(200 * time.Millisecond)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	defer close(release)
	id := f.finished(slow.URL)
	f.step(id)
	a := f.attempts(id)
	if len(a) != 1 || a[0].StatusCode != 0 || a[0].Error != "timeout: no answer within 200ms" || a[0].Duration > time.Second {
		t.Errorf("attempt = %+v, want a timeout after ~200ms", a[0])
	}
}

// TestBlockedAtConnect: a hostname that resolves to 127.0.0.1 passes no
// submit-time check that needs DNS, and is refused when connecting.
func TestBlockedAtConnect(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	var hit atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Add(1) }))
	defer srv.Close()
	id := f.finished(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	f.step(id)
	a := f.attempts(id)
	if len(a) != 1 || !strings.Contains(a[0].Error, "address is loopback, which mvgen does not call") || hit.Load() != 0 {
		t.Errorf("attempt = %+v (receiver hit %d times), want refused at connect", a[0], hit.Load())
	}
}

// TestRotation: during the overlap both secrets sign the Standard Webhooks
// header; the legacy header is signed by the new secret.
func TestRotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	old := f.key.WebhookSecret
	fresh, _ := webhook.NewSecret()
	if err := f.db.RotateSecret(context.Background(), f.key.ID, fresh, time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer srv.Close()
	id := f.finished(srv.URL)
	f.step(id)
	r, body := <-got, <-bodies
	if n := len(strings.Fields(r.Header.Get("webhook-signature"))); n != 2 {
		t.Errorf("webhook-signature has %d signatures, want 2", n)
	}
	for name, secret := range map[string]string{"old": old, "new": fresh} {
		if err := webhook.Verify(secret, r.Header, body); err != nil {
			t.Errorf("the %s secret does not verify during the overlap: %v", name, err)
		}
	}
	legacy := &webhook.Verifier{Secrets: []string{fresh}, Legacy: true}
	if err := legacy.Verify(r.Header, body); err != nil {
		t.Errorf("legacy header not signed by the new secret: %v", err)
	}
}

// TestPerDestinationCap: a receiver that holds its connections gets at most
// PerDestination attempts at once; other receivers are not held up.
func TestPerDestinationCap(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	f.w.limit.max = 1
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	fast := answer(200)
	defer fast.Close()

	first, second := f.finished(slow.URL), f.finished(slow.URL)
	done := make(chan struct{})
	go func() { f.step(first); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if f.w.limit.inFlight(destination(slow.URL)) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first attempt never started")
		}
	}
	if wait := f.step(second); wait <= 0 || len(f.attempts(second)) != 0 {
		t.Errorf("second callback to a busy receiver: wait %v, %d attempts; want it to wait without an attempt", wait, len(f.attempts(second)))
	}
	other := f.finished(fast.URL)
	if next := f.step(other); next >= 0 || f.status(other) != mvgen.StatusSuccess {
		t.Errorf("callback to another receiver was held up: next %v", next)
	}
	close(release)
	<-done
}

func TestDelayJitter(t *testing.T) {
	t.Parallel()
	lo, hi := time.Hour, time.Duration(0)
	for n := 1; n <= 500; n++ {
		d := delay(10*time.Second, 0, "task", n)
		if d != delay(10*time.Second, 0, "task", n) {
			t.Fatal("Delay is not deterministic")
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 8*time.Second || hi > 12*time.Second || hi-lo < 3*time.Second {
		t.Errorf("500 delays of 10s spread over [%v, %v], want across ±20%%", lo, hi)
	}
}
