package server_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// privatePostgres is a PostgreSQL server of the test's own, in a temporary
// directory on its own port, so that restarting it disturbs no other test.
type privatePostgres struct {
	t         *testing.T
	bin, dir  string
	port      int
	DSN       string
	asPostgre func(args ...string) *exec.Cmd
}

// startPrivatePostgres initialises and starts one; it skips the test when
// PostgreSQL's binaries are not installed or the test is not root (initdb
// must run as the postgres user).
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		t.Skip("PostgreSQL restart case: no /usr/lib/postgresql/*/bin/pg_ctl (scripts/postgres.sh installs it)")
	}
	sort.Strings(bins)
	pg, err := user.Lookup("postgres")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("PostgreSQL restart case: needs root and the postgres user to run a private server")
	}
	dir, err := os.MkdirTemp("", "mvgen-fault-pg-")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	p := &privatePostgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: dir, port: freePort(t)}
	p.asPostgre = func(args ...string) *exec.Cmd {
		cmd := exec.Command("su", "-s", "/bin/sh", "postgres", "-c", shellQuote(args))
		return cmd
	}
	t.Cleanup(func() {
		p.asPostgre(filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	})
	if out, err := p.asPostgre(filepath.Join(p.bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "mvgen",
		"--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start()
	p.DSN = "postgres://mvgen@127.0.0.1:" + strconv.Itoa(p.port) + "/postgres?sslmode=disable"
	conn, err := pgx.Connect(context.Background(), p.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE mvgen"); err != nil {
		t.Fatal(err)
	}
	p.DSN = "postgres://mvgen@127.0.0.1:" + strconv.Itoa(p.port) + "/mvgen?sslmode=disable"
	return p
}

func (p *privatePostgres) start() {
	p.t.Helper()
	opts := "-p " + strconv.Itoa(p.port) + " -k " + p.dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
	if out, err := p.asPostgre(filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data"), "-o", opts,
		"-l", filepath.Join(p.dir, "log"), "-w", "start").CombinedOutput(); err != nil {
		p.t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

// stop shuts the server down at once (connections are cut).
func (p *privatePostgres) stop() {
	p.t.Helper()
	if out, err := p.asPostgre(filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data"), "-m", "fast",
		"-w", "stop").CombinedOutput(); err != nil {
		p.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// shellQuote joins args for sh -c.
func shellQuote(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += "'" + a + "'"
	}
	return s
}

// privateS3 is a versitygw of the test's own (scripts/versitygw.sh), so
// that stopping it disturbs no other test.
type privateS3 struct {
	t      *testing.T
	script string
	dir    string
	port   int
	URL    string
}

func startPrivateS3(t *testing.T) *privateS3 {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "versitygw.sh")
	if out, err := exec.Command("bash", script, "path").CombinedOutput(); err != nil {
		t.Skipf("S3 outage case needs versitygw: %v: %s", err, out)
	}
	s := &privateS3{t: t, script: script, dir: t.TempDir(), port: freePort(t)}
	if err := os.Mkdir(filepath.Join(s.dir, "fault"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Setenv("AWS_ACCESS_KEY_ID", "mvgen")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "mvgensecret")
	s.start()
	t.Cleanup(s.stop)
	s.URL = "s3://fault?endpoint=http://127.0.0.1:" + strconv.Itoa(s.port) + "&region=us-east-1"
	return s
}

func (s *privateS3) start() {
	s.t.Helper()
	cmd := exec.Command("bash", s.script, "start", s.dir, strconv.Itoa(s.port))
	cmd.Env = append(os.Environ(), "VERSITYGW_OWNER_PID="+strconv.Itoa(os.Getpid()))
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("starting versitygw: %v: %s", err, out)
	}
}

func (s *privateS3) stop() {
	exec.Command("bash", s.script, "stop", s.dir).Run()
}

// waitFor polls cond every 100 ms until it holds or limit passes.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}
