// Package ready is the readiness check behind GET /readyz: a node is ready
// when each of its checks passes (the database answers, the file storage
// takes a write, ffmpeg is there when the node renders). /healthz is the
// liveness check and stays apart: a node that is alive but not ready is
// taken out of rotation, not restarted.
//
// A probe needs no credentials, so it must cost little and tell a stranger
// little: a result answers the probes of the next CacheFor (2 s), probes
// that come while the checks run wait for that run, and the errors behind
// a 503 (paths, hosts) are shown only to this machine.
package ready

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// Defaults of Checker.
const (
	// DefaultTimeout bounds one run of the checks, all together, so that a
	// probe is answered within 2 s whatever hangs (a probe that arrives
	// while a run is under way waits for that run at most). It was 5 s, and
	// with S3 stopped the S3 client's retries took 4.7 s to fail; a load
	// balancer's probe timeout is often 2 s. The checks a healthy node runs
	// take milliseconds.
	DefaultTimeout = 1500 * time.Millisecond
	// DefaultCacheFor is how long a run's result answers the probes after
	// it: a load balancer probing every second from three places costs
	// one storage write every 2 s, however many probe.
	DefaultCacheFor = 2 * time.Second
)

// Check is one condition of readiness.
type Check struct {
	// Name names the check in a 503's body: "database", "storage", "ffmpeg".
	Name string
	// Run returns nil when the condition holds.
	Run func(ctx context.Context) error
}

// Pinger is a database that can tell it answers (the store drivers' Ping).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Database passes when db answers a query.
func Database(db Pinger) Check {
	return Check{Name: "database", Run: db.Ping}
}

// Storage passes when the file storage takes a tiny object and deletes it
// again (under "readyz/", a new key each time).
func Storage(b blob.Store) Check {
	return Check{Name: "storage", Run: func(ctx context.Context) error {
		key := "readyz/" + mvgen.NewID()
		if _, err := b.Put(ctx, key, strings.NewReader("ok"), 16); err != nil {
			return fmt.Errorf("writing %s: %w", key, err)
		}
		if err := b.Delete(ctx, key); err != nil {
			return fmt.Errorf("deleting %s: %w", key, err)
		}
		return nil
	}}
}

// Tools passes when every program (a name looked up in PATH, or a path) is
// there and executable: ffmpeg and ffprobe on a node that renders.
func Tools(name string, programs ...string) Check {
	return Check{Name: name, Run: func(context.Context) error {
		for _, p := range programs {
			if _, err := exec.LookPath(p); err != nil {
				return err
			}
		}
		return nil
	}}
}

// Checker answers readiness probes by running its checks, in parallel.
// The zero value with Checks set is ready to use; a Checker must not be
// copied after first use.
type Checker struct {
	Checks []Check
	// Timeout bounds a run of the checks; 0 means DefaultTimeout. A check
	// still running then fails.
	Timeout time.Duration
	// CacheFor is how long a run's result answers later probes; 0 means
	// DefaultCacheFor, a negative value none. Either way, probes that
	// arrive while the checks run share that run.
	CacheFor time.Duration
	// Details reports whether a probe's 503 may show the failing checks'
	// errors; nil means a loopback peer that came through no proxy (no
	// Forwarded, X-Forwarded-For or X-Real-Ip header).
	// Other probes see the failing checks' names only.
	Details func(*http.Request) bool

	mu   sync.Mutex
	last *run // the latest run, finished or not
}

// run is one run of the checks; fails and at are set before done closes.
type run struct {
	done  chan struct{}
	fails []failure
	at    time.Time
}

// failure is a check that failed.
type failure struct {
	name string
	err  error
}

// Check runs every check and returns the failures, each naming its check,
// joined; nil when ready. It does not use the cache.
func (c *Checker) Check(ctx context.Context) error {
	fails := c.runChecks(ctx)
	errs := make([]error, len(fails))
	for i, f := range fails {
		errs[i] = fmt.Errorf("%s: %w", f.name, f.err)
	}
	return errors.Join(errs...)
}

func (c *Checker) runChecks(ctx context.Context) []failure {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results := make([]chan error, len(c.Checks))
	for i, ch := range c.Checks {
		results[i] = make(chan error, 1)
		go func() { results[i] <- ch.Run(ctx) }()
	}
	var fails []failure
	for i, ch := range c.Checks {
		var err error
		select {
		case err = <-results[i]:
		case <-ctx.Done():
			err = fmt.Errorf("no answer within %v", timeout)
		}
		if err != nil {
			fails = append(fails, failure{ch.Name, err})
		}
	}
	return fails
}

// result returns the failures of a run of the checks that finished less
// than CacheFor ago, or of the run under way, or of a new one. A run is not
// tied to the probe that started it: a probe that goes away stops waiting,
// the run goes on for the others.
func (c *Checker) result(ctx context.Context) ([]failure, error) {
	c.mu.Lock()
	r := c.last
	if r == nil || r.expired(c.cacheFor()) {
		r = &run{done: make(chan struct{})}
		c.last = r
		go func() {
			r.fails = c.runChecks(context.WithoutCancel(ctx))
			r.at = time.Now()
			close(r.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-r.done:
		return r.fails, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// expired reports whether r finished more than d ago.
func (r *run) expired(d time.Duration) bool {
	select {
	case <-r.done:
		return time.Since(r.at) >= d
	default:
		return false
	}
}

func (c *Checker) cacheFor() time.Duration {
	if c.CacheFor == 0 {
		return DefaultCacheFor
	}
	return c.CacheFor
}

// ServeHTTP answers 200 "ready" when every check passes, otherwise 503
// "not ready" and one line per failing check: "<name>: <error>" to a probe
// Details allows, "<name>" to others.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fails, err := c.result(r.Context())
	if err == nil && len(fails) == 0 {
		fmt.Fprint(w, "ready\n")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	details := c.Details
	if details == nil {
		details = local
	}
	var b strings.Builder
	b.WriteString("not ready\n")
	show := details(r)
	for _, f := range fails {
		if show {
			fmt.Fprintf(&b, "%s: %v\n", f.name, f.err)
		} else {
			fmt.Fprintf(&b, "%s\n", f.name)
		}
	}
	w.Write([]byte(b.String()))
}

// local reports whether r came straight from this machine: a loopback peer
// address and no proxy header (a reverse proxy on the same machine
// connects from loopback on behalf of anyone).
func local(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
