// Package ready is the readiness check behind GET /readyz: a node is ready
// when each of its checks passes (the database answers, the file storage
// takes a write, ffmpeg is there when the node renders). /healthz is the
// liveness check and stays apart: a node that is alive but not ready is
// taken out of rotation, not restarted.
package ready

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// DefaultTimeout bounds one readiness probe, all checks together.
const DefaultTimeout = 5 * time.Second

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
type Checker struct {
	Checks []Check
	// Timeout bounds a probe; 0 means DefaultTimeout. A check still
	// running then fails.
	Timeout time.Duration
}

// Check runs every check and returns the failures, each naming its check,
// joined; nil when ready.
func (c *Checker) Check(ctx context.Context) error {
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
	var errs []error
	for i, ch := range c.Checks {
		var err error
		select {
		case err = <-results[i]:
		case <-ctx.Done():
			err = fmt.Errorf("no answer within %v", timeout)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ch.Name, err))
		}
	}
	return errors.Join(errs...)
}

// ServeHTTP answers 200 "ready" when every check passes, otherwise 503
// "not ready" and one line per failing check: "<name>: <error>".
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := c.Check(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready\n%s\n", err)
		return
	}
	fmt.Fprint(w, "ready\n")
}
