package docs_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// readmePorts are the loopback ports the README's blocks use. The test
// gives each a free port and changes it in every block it runs (the
// blocks are otherwise run as written); `make run` takes its ports from
// ADDR and METRICS_ADDR, which the test sets to the free 8080 and 9464.
var readmePorts = []string{"8080", "8090", "9090", "8000", "9464", "9465", "9466", "8081", "8082", "7070"}

// A block is one fenced sh block of the README.
type block struct {
	line int    // README line of its first command
	text string // the commands
	// skip is the reason the README gives for not running it, from the
	// paragraph before it: "*Not run by `make test`: REASON*".
	skip string
	// background: the block runs in a terminal of its own (a server); it is
	// started in the background and the next block waits until the port
	// listens. A later background block on the same port replaces it (a
	// restart). From "<!-- make test: in the background; ready when
	// 127.0.0.1:PORT listens -->" before the block.
	background string
	// database: the block makes and uses a PostgreSQL database of this name
	// on the server scripts/postgres.sh runs; the test gives it a fresh
	// name of its own (in `CREATE DATABASE NAME` and in DSNs to
	// 127.0.0.1:5432/NAME) and drops it at the end. From "<!-- make test:
	// PostgreSQL database NAME -->" before the block.
	database string
	// after: the block goes on from the block before it (its servers,
	// its variables), so it is not run when that one was not. From
	// "<!-- make test: after the block above -->" before the block.
	after bool
}

var (
	fence      = regexp.MustCompile("^```(\\S*)\\s*$")
	skipNote   = regexp.MustCompile("^\\*Not run by `make test`: (.+)\\*$")
	background = regexp.MustCompile(`^<!-- make test: in the background; ready when 127\.0\.0\.1:(\d+) listens -->$`)
	database   = regexp.MustCompile(`^<!-- make test: PostgreSQL database (\w+) -->$`)
	afterMark  = "<!-- make test: after the block above -->"
)

// readmeBlocks returns the sh blocks of the markdown in src, with their
// marks.
func readmeBlocks(t *testing.T, src []byte) []block {
	t.Helper()
	lines := strings.Split(string(src), "\n")
	var blocks []block
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		start := i + 1
		end := start
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		if end == len(lines) {
			t.Fatalf("README.md:%d: the block never ends", i+1)
		}
		if m[1] == "sh" {
			b := block{line: start + 1, text: strings.Join(lines[start:end], "\n") + "\n"}
			// The paragraph before the block, joined.
			j := i - 1
			for j >= 0 && strings.TrimSpace(lines[j]) == "" {
				j--
			}
			k := j
			for k >= 0 && strings.TrimSpace(lines[k]) != "" {
				k--
			}
			for _, l := range lines[k+1 : j+1] {
				if bg := background.FindStringSubmatch(l); bg != nil {
					b.background = bg[1]
				}
				if db := database.FindStringSubmatch(l); db != nil {
					b.database = db[1]
				}
				b.after = b.after || strings.TrimSpace(l) == afterMark
			}
			if j >= 0 {
				para := strings.Join(strings.Fields(strings.Join(lines[k+1:j+1], " ")), " ")
				if s := skipNote.FindStringSubmatch(para); s != nil {
					b.skip = s[1]
				}
			}
			blocks = append(blocks, b)
		}
		i = end
	}
	return blocks
}

// TestReadme runs the README's shell blocks in order, as a user would type
// them in a fresh clone of the repository (the working tree's tracked
// files, committed to a new git repository in a temporary directory),
// with bash: the blocks a user types in the third terminal in one shell,
// so their variables carry over, and the blocks marked as a terminal of
// their own (`make run`, the receiver) in the background. Only the ports
// are changed, to free ones. curl fails on an HTTP error answer
// (--fail-with-body), so a 401 or a 404 fails the block; so does any
// command that fails (set -e, pipefail), named by its README line. Blocks
// that cannot run here say why in the README, and the test prints the
// reason. A block that makes a PostgreSQL database (Scaling out) gets one
// of a fresh name on the local server, dropped at the end. At the end the
// clone must have nothing git does not ignore: the files the README makes
// are in .gitignore.
func TestReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README: make run, renders, a receiver")
	}
	for _, tool := range []string{"bash", "make", "git", "curl", "ffmpeg", "ffprobe", "python3", "setsid"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README needs %s: %v", tool, err)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, src)
	if len(blocks) == 0 {
		t.Fatal("no sh block in README.md")
	}
	clone := freshClone(t, root)
	ports := freePorts(t, readmePorts)
	portRE := regexp.MustCompile(`\b(` + strings.Join(readmePorts, "|") + `)\b`)
	mapPorts := func(s string) string {
		return portRE.ReplaceAllStringFunc(s, func(p string) string { return ports[p] })
	}

	// The driver: one bash that sources each block in turn and starts the
	// background ones with setsid (each in a process group of its own,
	// not a job of the shell, so the README's own %1 is its own job).
	work := t.TempDir()
	var drv strings.Builder
	drv.WriteString(`set -eE -o pipefail
trap 'rc=$?; echo "README.md:$((BLOCK + LINENO - 1)): exit status $rc: $BASH_COMMAND" >&2' ERR
curl() { command curl --fail-with-body "$@"; }
ready() { # ready PORT LOG PIDFILE: wait until 127.0.0.1:PORT listens
  for i in $(seq 600); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    kill -0 "$(cat $3)" 2>/dev/null || { echo "the block's process ended before port $1 listened:"; tail -n 40 "$2"; return 1; } >&2
    sleep 0.5
  done
  echo "port $1 did not listen within 5 minutes" >&2; return 1
}
stop() { # stop PIDFILE: end a background block's process group
  [ -s "$1" ] || return 0
  kill -TERM -- -"$(cat $1)" 2>/dev/null || true
  for i in $(seq 100); do kill -0 -- -"$(cat $1)" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- -"$(cat $1)" 2>/dev/null || true
  rm -f "$1"
}
`)
	var ran, skipped int
	var skippedLast string // why the block before was not run, "" if it was
	for _, b := range blocks {
		if b.after && skippedLast != "" {
			b.skip = "it goes on from the block above, which was not run: " + skippedLast
		}
		text := mapPorts(b.text)
		if b.skip == "" && b.database != "" {
			var fresh string
			if fresh, b.skip = freshDatabase(t, b.database); fresh != "" {
				re := regexp.MustCompile(`(CREATE DATABASE |127\.0\.0\.1:5432/)` + regexp.QuoteMeta(b.database) + `\b`)
				text = re.ReplaceAllString(text, "${1}"+fresh)
			}
		}
		if skippedLast = b.skip; b.skip != "" {
			t.Logf("README.md:%d: not run: %s", b.line, b.skip)
			skipped++
			continue
		}
		ran++
		file := filepath.Join(work, fmt.Sprintf("L%d.sh", b.line))
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&drv, "BLOCK=%d\necho \"== README.md:%d\" >&2\n", b.line, b.line)
		if b.background != "" {
			port := ports[b.background]
			if port == "" {
				t.Fatalf("README.md:%d: port %s is not one of readmePorts", b.line, b.background)
			}
			pidfile := filepath.Join(work, "port-"+port+".pid")
			log := filepath.Join(work, fmt.Sprintf("L%d.log", b.line))
			fmt.Fprintf(&drv, "stop %s\n(setsid bash -e %s >%s 2>&1 & echo $! >%s)\nsleep 0.2\nready %s %s %s\n",
				pidfile, file, log, pidfile, port, log, pidfile)
			continue
		}
		fmt.Fprintf(&drv, "source %s\n", file)
	}
	fmt.Fprintf(&drv, "BLOCK=0\nfor f in %s/port-*.pid; do stop \"$f\"; done\necho '== all blocks ran' >&2\n", work)
	driver := filepath.Join(work, "driver.sh")
	if err := os.WriteFile(driver, []byte(drv.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("bash", driver)
	cmd.Dir = clone
	cmd.Env = append(os.Environ(),
		"ADDR=127.0.0.1:"+ports["8080"], "METRICS_ADDR=127.0.0.1:"+ports["9464"],
		"HOME="+os.Getenv("HOME"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A file, not a pipe: the blocks' own background jobs keep their
	// standard output open after the shell ends.
	out, err := os.Create(filepath.Join(work, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens, end the background blocks and the shell's own jobs.
	cleanup := func() {
		pids, _ := filepath.Glob(filepath.Join(work, "port-*.pid"))
		for _, f := range pids {
			if b, err := os.ReadFile(f); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					syscall.Kill(-pid, syscall.SIGKILL)
				}
			}
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	defer cleanup()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(8 * time.Minute):
		cleanup()
		runErr = fmt.Errorf("still running after 8 minutes")
		<-done
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // the blocks' own background jobs
	output, _ := os.ReadFile(out.Name())
	if runErr != nil {
		logs, _ := filepath.Glob(filepath.Join(work, "L*.log"))
		var bg strings.Builder
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			fmt.Fprintf(&bg, "--- %s (last lines)\n%s\n", filepath.Base(l), tail(string(b), 30))
		}
		t.Fatalf("the README's blocks failed (%v); ports %v; the output's last lines:\n%s\nbackground blocks:\n%s",
			runErr, ports, tail(string(output), 80), bg.String())
	}
	t.Logf("ran %d blocks, skipped %d", ran, skipped)
	time.Sleep(500 * time.Millisecond) // the jobs' ends
	st, err := exec.Command("git", "-C", clone, "status", "--porcelain", "--untracked-files=all").CombinedOutput()
	if err != nil {
		t.Fatalf("git status: %v\n%s", err, st)
	}
	if len(st) > 0 {
		t.Errorf("after the README ran, git sees files it made that .gitignore does not cover:\n%s", st)
	}
}

// freshDatabase names a database that stands in for name in a block: on
// the local PostgreSQL server that scripts/postgres.sh runs (the one
// MVGEN_TEST_POSTGRES names, as make test sets it), a name no other test
// uses, whose database is dropped when the test ends. When the block
// cannot run here it returns why instead.
func freshDatabase(t *testing.T, name string) (fresh, skip string) {
	t.Helper()
	base := os.Getenv("MVGEN_TEST_POSTGRES")
	switch u, err := url.Parse(base); {
	case base == "" && os.Getenv("CI") != "":
		t.Fatalf("MVGEN_TEST_POSTGRES is not set; CI must run the README's PostgreSQL blocks (make test sets it)")
	case base == "":
		return "", "it needs the local PostgreSQL server: set MVGEN_TEST_POSTGRES (make test does)"
	case err != nil || (u.Host != "127.0.0.1:5432" && u.Host != "localhost:5432"):
		return "", "MVGEN_TEST_POSTGRES does not name the local server on 127.0.0.1:5432 that the block's scripts/postgres.sh runs"
	}
	if _, err := exec.LookPath("psql"); err != nil {
		return "", "it needs psql: " + err.Error()
	}
	var b [6]byte
	rand.Read(b[:])
	fresh = name + "_readme_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping database %s: %v", fresh, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE: a node the block started may hold a connection still.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{fresh}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", fresh, err)
		}
	})
	return fresh, ""
}

// freshClone copies the tracked files of the working tree at root (as they
// are, uncommitted changes included) into a new git repository, committed.
func freshClone(t *testing.T, root string) string {
	t.Helper()
	files, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	clone := filepath.Join(t.TempDir(), "mvgen")
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		fi, err := os.Lstat(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(clone, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(clone, f), b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "-A"},
		{"-c", "user.name=readme", "-c", "user.email=readme@example.com", "commit", "-q", "-m", "clone"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", clone}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return clone
}

// freePorts maps each of names to a loopback port nothing listens on,
// all different.
func freePorts(t *testing.T, names []string) map[string]string {
	t.Helper()
	ports := map[string]string{}
	for _, name := range names {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close() // held until all are chosen
		ports[name] = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
