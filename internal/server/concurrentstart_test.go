package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestConcurrentStart starts 8 mvgen processes at once on one fresh SQLite
// data directory, as the README's fake-upstream example does (`serve … &`
// then `keys create`): two `serve`, three `keys create` and three
// `migrate`. Exactly one of them migrates; the others wait for it and go
// on. Every key is made, every migrate succeeds, one serve serves and the
// other is refused the directory by its lock, never by a migration error.
// Before the migration lock, a process failed with "table river_migration
// already exists" and a key came out empty.
func TestConcurrentStart(t *testing.T) {
	t.Parallel()
	bin := mvgenBinary(t)
	for round := range 3 {
		dir := filepath.Join(t.TempDir(), "data")
		type proc struct {
			name   string
			cmd    *exec.Cmd
			stdout bytes.Buffer
			stderr syncBuffer
			ended  bool
		}
		var procs []*proc
		add := func(name string, args ...string) {
			p := &proc{name: name, cmd: exec.Command(bin, args...)}
			p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
			procs = append(procs, p)
		}
		for i := range 2 {
			add(fmt.Sprintf("serve %d", i), "serve", "--data", dir, "--addr", "127.0.0.1:0", "--metrics-addr", "off")
		}
		for i := range 3 {
			add(fmt.Sprintf("keys create %d", i), "keys", "create", "--name", fmt.Sprintf("k%d", i), "--json", "--data", dir)
			add(fmt.Sprintf("migrate %d", i), "migrate", "--data", dir)
		}
		for _, p := range procs {
			if err := p.cmd.Start(); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan *proc, len(procs))
		for _, p := range procs {
			go func() { p.cmd.Wait(); done <- p }()
		}
		t.Cleanup(func() {
			for _, p := range procs {
				p.cmd.Process.Kill()
			}
		})
		// Every process but one serve ends; the serving one is stopped
		// after the others.
		var served, refused int
		var keys []string
		deadline := time.After(time.Minute)
		for range len(procs) - 1 {
			var p *proc
			select {
			case p = <-done:
			case <-deadline:
				t.Fatalf("round %d: processes still running after a minute", round)
			}
			p.ended = true
			code := p.cmd.ProcessState.ExitCode()
			switch {
			case strings.HasPrefix(p.name, "serve"):
				if !strings.Contains(p.stderr.String(), "is in use by another mvgen serve") {
					t.Errorf("round %d: %s exited %d: %s", round, p.name, code, p.stderr.String())
				}
				refused++
			case code != 0:
				t.Errorf("round %d: %s exited %d: %s", round, p.name, code, p.stderr.String())
			case strings.HasPrefix(p.name, "keys"):
				var k struct{ APIKey string }
				if err := json.Unmarshal(p.stdout.Bytes(), &k); err != nil || k.APIKey == "" {
					t.Errorf("round %d: %s printed %q", round, p.name, p.stdout.String())
				}
				keys = append(keys, k.APIKey)
			}
		}
		for _, p := range procs {
			if strings.HasPrefix(p.name, "serve") && !p.ended {
				served++
				url := servingURL.FindStringSubmatch(waitForLog(t, &p.stderr, servingURL))
				for _, key := range keys {
					req, _ := http.NewRequest("GET", url[1]+"/api/v1/mp4/tasks", nil)
					req.Header.Set("Authorization", "Bearer "+key)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Errorf("round %d: a key made at the start: GET /api/v1/mp4/tasks answered %d, want 200", round, resp.StatusCode)
					}
				}
			}
		}
		if served != 1 || refused != 1 {
			t.Errorf("round %d: %d serve processes serve and %d were refused the directory, want 1 and 1", round, served, refused)
		}
		if len(keys) != 3 {
			t.Errorf("round %d: %d keys made, want 3", round, len(keys))
		}
		for _, p := range procs {
			p.cmd.Process.Kill()
		}
	}
}

// waitForLog waits up to 30 s for a line matching re in buf, which a
// process is writing, and returns that line.
func waitForLog(t *testing.T, buf *syncBuffer, re interface{ FindString(string) string }) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if line := re.FindString(buf.String()); line != "" {
			return line
		}
	}
	t.Fatalf("no line matching %v within 30s in:\n%s", re, buf.String())
	return ""
}

// TestConcurrentStartPostgres: the same 8 processes at once on one fresh
// PostgreSQL schema (each serve with a data directory of its own, as
// nodes have): all of them start, both serve, and every key made at the
// start works on both (the schema's advisory lock orders the migrations).
func TestConcurrentStartPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	bin := mvgenBinary(t)
	type proc struct {
		name   string
		cmd    *exec.Cmd
		stdout bytes.Buffer
		stderr syncBuffer
	}
	var procs []*proc
	add := func(name string, args ...string) {
		p := &proc{name: name, cmd: exec.Command(bin, args...)}
		p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
		procs = append(procs, p)
	}
	for i := range 2 {
		add(fmt.Sprintf("serve %d", i), "serve", "--db", dsn, "--data", filepath.Join(t.TempDir(), "node"),
			"--addr", "127.0.0.1:0", "--metrics-addr", "off")
	}
	for i := range 3 {
		add(fmt.Sprintf("keys create %d", i), "keys", "create", "--name", fmt.Sprintf("k%d", i), "--json", "--db", dsn)
		add(fmt.Sprintf("migrate %d", i), "migrate", "--db", dsn)
	}
	for _, p := range procs {
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, p := range procs {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	var keys []string
	for _, p := range procs[2:] {
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v: %s", p.name, err, p.stderr.String())
				continue
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s still running after a minute", p.name)
		}
		if strings.HasPrefix(p.name, "keys") {
			var k struct{ APIKey string }
			if err := json.Unmarshal(p.stdout.Bytes(), &k); err != nil || k.APIKey == "" {
				t.Errorf("%s printed %q", p.name, p.stdout.String())
			}
			keys = append(keys, k.APIKey)
		}
	}
	for _, p := range procs[:2] {
		url := servingURL.FindStringSubmatch(waitForLog(t, &p.stderr, servingURL))[1]
		for _, key := range keys {
			req, _ := http.NewRequest("GET", url+"/api/v1/mp4/tasks", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s: a key made at the start answered %d, want 200", p.name, resp.StatusCode)
			}
		}
	}
	if len(keys) != 3 {
		t.Errorf("%d keys made, want 3", len(keys))
	}
}
