package deploy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/mvgen/mvgen/internal/mvgentest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// The unit's sandbox, as far as a test can apply it without systemd as
// PID 1. The test binary starts itself with sandboxEnv set; TestMain then
// applies the spec to its own process and execs the command (mvgen serve,
// under strace when the system call filter is checked):
//
//   - ProtectSystem=strict with ReadWritePaths=: in a mount namespace of its
//     own (root only), every mount but /proc, /sys and /dev is remounted
//     read-only, the writable paths bound read-write first. Stricter than
//     the unit: PrivateTmp='s writable /tmp is not there, so a write to /tmp
//     fails the test where it would work in production.
//   - ProtectHome=yes: /home, /root and /run/user are hidden under empty
//     read-only tmpfs.
//   - User=mvgen: as root, the process becomes nobody, a user without a
//     login or files (the unit's user does not exist on a test machine);
//     the data directory is given to it.
//   - NoNewPrivileges=yes: prctl(PR_SET_NO_NEW_PRIVS).
//   - MemoryDenyWriteExecute=yes: prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)
//     (Linux 6.3), which refuses a writable and executable mapping and
//     making a mapping executable, as systemd's seccomp rule does; it holds
//     across execve for ffmpeg as well.
//   - SystemCallFilter= and RestrictAddressFamilies=: strace, filtered with
//     seccomp so that only the system calls outside the unit's filter stop,
//     records them and every socket(2); the test fails on any.
const sandboxEnv = "MVGEN_DEPLOY_TEST_SANDBOX"

// sandboxSpec is what the sandboxed process gets.
type sandboxSpec struct {
	ReadWrite []string // with Mounts: every other path is read-only
	Hide      []string // with Mounts: empty read-only tmpfs over these
	Mounts    bool
	UID, GID  int // with Mounts: the user and group to become
	MDWE      bool
	Argv      []string
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(sandboxEnv); spec != "" {
		fmt.Fprintln(os.Stderr, "sandbox:", enterSandbox(spec))
		os.Exit(111)
	}
	code := m.Run()
	mvgentest.Cleanup() // the mvgen this run built
	os.Exit(code)
}

// enterSandbox applies spec to this process and execs its command; it
// returns only on failure.
func enterSandbox(raw string) error {
	var spec sandboxSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return err
	}
	if spec.Mounts {
		if err := protectSystem(spec.ReadWrite, spec.Hide); err != nil {
			return err
		}
		// Go sets the credentials of every thread (syscall.AllThreadsSyscall).
		if err := syscall.Setgroups(nil); err != nil {
			return err
		}
		if err := syscall.Setgid(spec.GID); err != nil {
			return err
		}
		if err := syscall.Setuid(spec.UID); err != nil {
			return err
		}
	}
	const prSetNoNewPrivs, prSetMDWE, mdweRefuseExecGain = 38, 65, 1
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", e)
	}
	if spec.MDWE {
		if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetMDWE, mdweRefuseExecGain, 0, 0, 0, 0); e != 0 {
			return fmt.Errorf("PR_SET_MDWE (Linux 6.3 or newer): %w", e)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, sandboxEnv+"=") {
			env = append(env, kv)
		}
	}
	return syscall.Exec(spec.Argv[0], spec.Argv, env)
}

// protectSystem makes every mount read-only but the API file systems and
// the paths in rw, and hides the paths in hide. The process must be in a
// mount namespace of its own (exec.Cmd's Unshareflags: CLONE_NEWNS, after
// which Go makes every mount private, so nothing here reaches the host).
// Remounts carry MS_BIND: they change this namespace's mount flags, never
// the file system's.
func protectSystem(rw, hide []string) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	keep := map[string]bool{}
	for _, p := range rw {
		if err := syscall.Mount(p, p, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return fmt.Errorf("binding %s read-write: %w", p, err)
		}
		keep[p] = true
	}
	mounts, err := mountPoints()
	if err != nil {
		return err
	}
	for _, m := range mounts {
		if keep[m.path] || m.flags&syscall.MS_RDONLY != 0 || under(m.path, "/proc", "/sys", "/dev") {
			continue
		}
		flags := uintptr(syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY) | m.flags
		if err := syscall.Mount("", m.path, "", flags, ""); err != nil {
			return fmt.Errorf("remounting %s read-only: %w", m.path, err)
		}
	}
	for _, p := range hide {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if err := syscall.Mount("tmpfs", p, "tmpfs", syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "mode=0"); err != nil {
			return fmt.Errorf("hiding %s: %w", p, err)
		}
	}
	return nil
}

type mountPoint struct {
	path  string
	flags uintptr // the per-mount flags to keep
}

// mountPoints lists this namespace's mounts, parents first.
func mountPoints() ([]mountPoint, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mountPoint
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		m := mountPoint{path: unescapeMount(fields[4])}
		for _, o := range strings.Split(fields[5], ",") {
			m.flags |= map[string]uintptr{"ro": syscall.MS_RDONLY, "nosuid": syscall.MS_NOSUID, "nodev": syscall.MS_NODEV,
				"noexec": syscall.MS_NOEXEC, "noatime": syscall.MS_NOATIME, "nodiratime": syscall.MS_NODIRATIME,
				"relatime": syscall.MS_RELATIME}[o]
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	return regexp.MustCompile(`\\[0-7]{3}`).ReplaceAllStringFunc(s, func(e string) string {
		var b byte
		fmt.Sscanf(e[1:], "%o", &b)
		return string(b)
	})
}

// under reports whether path is one of dirs or inside one.
func under(path string, dirs ...string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

// syscallCheck is the strace that records what the unit's system call
// filter and address families would refuse.
type syscallCheck struct {
	trace    string          // strace's output file
	families map[string]bool // RestrictAddressFamilies=
}

// straceArgs is the strace command line that runs argv and records, in
// the file trace, every system call outside allowed and every socket(2).
func straceArgs(strace, trace string, allowed map[string]bool, argv []string) []string {
	var quiet []string
	for name := range allowed {
		if name != "socket" {
			quiet = append(quiet, "?"+name) // "?": a name this strace does not know is no error
		}
	}
	sort.Strings(quiet)
	return append([]string{strace, "-f", "--seccomp-bpf", "-qq", "-e", "signal=none", "-o", trace,
		"-e", "trace=!" + strings.Join(quiet, ",")}, argv...)
}

var (
	traceLine  = regexp.MustCompile(`^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]`)
	socketLine = regexp.MustCompile(`^\d+\s+socket\((AF_[A-Z0-9]+)`)
)

// findings reads the trace: the system calls the filter would refuse, and
// the address families RestrictAddressFamilies= would.
func (c *syscallCheck) findings(t *testing.T) (calls, families []string) {
	sockets := map[string]int{}
	defer func() { t.Logf("strace: sockets opened by family: %v", sockets) }()
	t.Helper()
	f, err := os.Open(c.trace)
	if err != nil {
		t.Fatalf("reading strace's output: %v", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := socketLine.FindStringSubmatch(line); m != nil {
			sockets[m[1]]++
			if !c.families[m[1]] && !seen[m[1]] {
				seen[m[1]] = true
				families = append(families, m[1])
			}
			continue
		}
		if m := traceLine.FindStringSubmatch(line); m != nil && m[1] != "socket" && !seen[m[1]] {
			seen[m[1]] = true
			calls = append(calls, m[1]+" ("+strings.TrimSpace(line)+")")
		}
	}
	return calls, families
}

// allowedSyscalls resolves the unit's SystemCallFilter= lines with
// systemd-analyze's groups, as systemd does: the first line is an allow
// list, each later "~" line removes from it; execve, exit and the other
// calls systemd always allows are added.
func allowedSyscalls(t *testing.T, analyze string, u unit) map[string]bool {
	t.Helper()
	out, err := exec.Command(analyze, "syscall-filter").Output()
	if err != nil {
		t.Fatalf("systemd-analyze syscall-filter: %v", err)
	}
	groups := map[string][]string{}
	var group string
	for _, line := range strings.Split(string(out), "\n") {
		switch trimmed := strings.TrimSpace(line); {
		case strings.HasPrefix(line, "@"):
			group = trimmed
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			if trimmed == "" {
				group = ""
			}
		case group != "":
			groups[group] = append(groups[group], trimmed)
		}
	}
	var expand func(names []string, into map[string]bool, add bool)
	expand = func(names []string, into map[string]bool, add bool) {
		for _, n := range names {
			if strings.HasPrefix(n, "@") {
				members, ok := groups[n]
				if !ok {
					t.Fatalf("SystemCallFilter= names %s, which systemd-analyze syscall-filter does not list", n)
				}
				expand(members, into, add)
				continue
			}
			if add {
				into[n] = true
			} else {
				delete(into, n)
			}
		}
	}
	lines := u["Service"]["SystemCallFilter"]
	if len(lines) == 0 || strings.HasPrefix(lines[0], "~") {
		t.Fatalf("SystemCallFilter= %q: want an allow list first", lines)
	}
	allowed := map[string]bool{}
	for _, l := range lines {
		deny := strings.HasPrefix(l, "~")
		expand(strings.Fields(strings.TrimPrefix(l, "~")), allowed, !deny)
	}
	// Always allowed (systemd.exec(5), SystemCallFilter=).
	expand(append([]string{"@default"}, "execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn"), allowed, true)
	return allowed
}

// hideHome is what ProtectHome=yes makes inaccessible.
var hideHome = []string{"/home", "/root", "/run/user"}

// canMount reports whether this process may make a mount namespace of its
// own (root).
func canMount() bool { return os.Geteuid() == 0 }

// absPaths makes every path absolute.
func absPaths(t *testing.T, paths ...string) []string {
	t.Helper()
	out := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = a
	}
	return out
}
