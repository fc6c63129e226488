package deploy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/mvgen/mvgen/internal/mvgentest"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// mvgenBinary is the mvgen binary, built once per test run.
func mvgenBinary(t *testing.T) string { return mvgentest.Binary(t) }

// readEnvFile reads mvgen.env's settings (KEY=VALUE lines; # comments).
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: cannot read %q", path, line)
		}
		env[k] = v
	}
	return env
}

// apiKey is a key made with mvgen keys create.
type apiKey struct {
	APIKey        string `json:"apiKey"`
	WebhookSecret string `json:"webhookSecret"`
}

// serviceUser is the user mvgen runs as in the test, for the unit's
// User=mvgen: nobody.
func serviceUser(t *testing.T) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("no user nobody to run mvgen as: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// giveTo makes each path and what it holds the user's, and lets the user
// reach it: its parent directories up to the temporary directory get o+x.
func giveTo(t *testing.T, uid, gid int, paths ...string) {
	t.Helper()
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, uid, gid)
		})
		if err != nil {
			t.Fatal(err)
		}
		for dir := filepath.Dir(p); strings.HasPrefix(dir, os.TempDir()+"/"); dir = filepath.Dir(dir) {
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, fi.Mode().Perm()|0o011); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// freePort returns a loopback address with a port nothing listens on.
//
// The ports come from below Linux's ephemeral range (32768–60999), each
// once per test binary: a port the kernel handed out for :0 is closed again
// before the proxy or mvgen binds it, and meanwhile an outgoing connection
// of any test running at once could take it as its local port (Caddy then
// exited with "address already in use" in a CI run).
func freePort(t *testing.T) string {
	t.Helper()
	for range portSpan {
		p := portBase + int(nextPort.Add(1))%portSpan
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue // some other program's
		}
		l.Close()
		return l.Addr().String()
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}

// The ports freePort hands out: portBase up to portBase+portSpan, from a
// place that differs between runs.
const portBase, portSpan = 20000, 12000

var nextPort = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(int64(os.Getpid() * 7919 % portSpan))
	return &n
}()

// node is mvgen serve run as mvgen.service runs it.
type node struct {
	cmd *exec.Cmd
	url string // its own address (http://127.0.0.1:PORT), past the proxy
	// metrics is its --metrics-addr (a loopback port of its own: the default
	// 127.0.0.1:9464 would clash between tests running at once).
	metrics string
	data    string
	key     apiKey
	check   *syscallCheck // nil when strace is not installed
	exit    chan error

	mu   sync.Mutex
	logs []string
}

var servingURL = regexp.MustCompile(`msg="mvgen serving" url=(\S+)`)

// startNode runs the unit's ExecStart= (its program replaced by the built
// mvgen, --data by a temporary directory and --addr by a free loopback
// port) with mvgen.env's settings (MVGEN_PUBLIC_URL set to publicURL) and
// the test's extra flags, sandboxed as sandboxSpec says.
func startNode(t *testing.T, publicURL string, extra ...string) *node {
	t.Helper()
	u := readUnit(t, "mvgen.service")
	args := u.execStart(t)
	data, addr, _ := serveFlags(t, args)
	dir := t.TempDir()
	n := &node{data: filepath.Join(dir, "data"), exit: make(chan error, 1)}
	listen := freePort(t)
	n.url = "http://" + listen
	bin := mvgenBinary(t)

	// The operator's first step: a key, made before the service starts.
	out, err := exec.Command(bin, "keys", "create", "--name", "deploy", "--json", "--data", n.data).Output()
	if err != nil || json.Unmarshal(out, &n.key) != nil {
		t.Fatalf("mvgen keys create: %v %s", err, out)
	}

	argv := []string{bin}
	for _, a := range args[1:] {
		switch a {
		case data:
			a = n.data
		case addr:
			a = listen
		}
		argv = append(argv, a)
	}
	n.metrics = freePort(t)
	argv = append(argv, "--metrics-addr", n.metrics)
	argv = append(argv, extra...)
	env := readEnvFile(t, "mvgen.env")
	if _, ok := env["MVGEN_PUBLIC_URL"]; !ok {
		t.Fatal("mvgen.env sets no MVGEN_PUBLIC_URL")
	}
	env["MVGEN_PUBLIC_URL"] = publicURL

	spec := sandboxSpec{MDWE: true}
	if v, _ := u.get("MemoryDenyWriteExecute"); v != "yes" {
		spec.MDWE = false
	}
	if canMount() {
		spec.Mounts, spec.ReadWrite, spec.Hide = true, absPaths(t, n.data), hideHome
		spec.UID, spec.GID = serviceUser(t)
	} else {
		t.Log("not root: mvgen runs as this user, without the read-only file system of ProtectSystem=strict")
	}
	if strace, err := exec.LookPath("strace"); err == nil {
		analyze := lookTool(t, "systemd-analyze", "systemd")
		families, _ := u.get("RestrictAddressFamilies")
		n.check = &syscallCheck{trace: filepath.Join(t.TempDir(), "strace.out"), families: map[string]bool{}}
		for _, f := range strings.Fields(families) {
			n.check.families[f] = true
		}
		spec.ReadWrite = append(spec.ReadWrite, filepath.Dir(n.check.trace)) // strace's own output
		argv = straceArgs(strace, n.check.trace, allowedSyscalls(t, analyze, u), argv)
	} else {
		t.Log("strace is not installed: the system call filter is not checked (scripts/deps.sh installs it)")
	}
	spec.Argv = argv
	if spec.Mounts {
		giveTo(t, spec.UID, spec.GID, spec.ReadWrite...) // the data directory and strace's
		giveTo(t, spec.UID, spec.GID, filepath.Dir(bin))
	}
	rawSpec, _ := json.Marshal(spec)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(self)
	n.cmd.Env = append(os.Environ(), sandboxEnv+"="+string(rawSpec))
	for k, v := range env {
		n.cmd.Env = append(n.cmd.Env, k+"="+v)
	}
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if spec.Mounts {
		n.cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
	}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Whatever is left of the group this test started: mvgen, strace,
		// ffmpeg.
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.exit
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			n.mu.Lock()
			n.logs = append(n.logs, sc.Text())
			n.mu.Unlock()
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		n.exit <- n.cmd.Wait()
		close(n.exit)
	}()
	select {
	case <-urls: // the public URL
	case err := <-n.exit:
		t.Fatalf("mvgen serve exited before serving: %v\n%s", err, n.log())
	case <-time.After(time.Minute):
		t.Fatalf("mvgen serve did not start within a minute\n%s", n.log())
	}
	n.checkSandbox(t, spec)
	return n
}

// mvgenPID is the pid of mvgen serve: the process the test started, or
// its child when strace runs it.
func mvgenPID(t *testing.T, n *node) int {
	t.Helper()
	pid := n.cmd.Process.Pid
	if n.check == nil {
		return pid
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatalf("finding mvgen under strace: %v", err)
	}
	kids := strings.Fields(string(b))
	if len(kids) != 1 {
		t.Fatalf("strace (pid %d) has children %q, want mvgen alone", pid, kids)
	}
	child, _ := strconv.Atoi(kids[0])
	return child
}

// checkSandbox checks, in /proc, that mvgen serve runs as spec says: its
// user, no new privileges, and its root read-only.
func (n *node) checkSandbox(t *testing.T, spec sandboxSpec) {
	t.Helper()
	pid := mvgenPID(t, n)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^NoNewPrivs:\s+1$`).Match(status) {
		t.Errorf("mvgen runs without NoNewPrivs")
	}
	if !spec.Mounts {
		return
	}
	if uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindSubmatch(status); uid == nil || string(uid[1]) != strconv.Itoa(spec.UID) {
		t.Errorf("mvgen runs as uid %s, want %d", uid, spec.UID)
	}
	mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\S+ \S+ \S+ \S+ / ro[, ]`).Match(mounts) {
		t.Errorf("mvgen's root is not read-only:\n%s", mounts)
	}
}

// stop sends mvgen SIGTERM, as systemd stops the unit (KillMode=mixed: the
// main process only), and checks that it exits cleanly.
func (n *node) stop(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(mvgenPID(t, n), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-n.exit:
		if err != nil {
			t.Errorf("mvgen serve after SIGTERM: %v\n%s", err, n.log())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("mvgen serve still running 2 minutes after SIGTERM\n%s", n.log())
	}
}

// log is mvgen's log so far.
func (n *node) log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.logs, "\n")
}
