package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// unit is a systemd unit file: each section's keys with their values in
// order (a key may repeat).
type unit map[string]map[string][]string

func readUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, section := unit{}, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: cannot read line %q", path, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// get is the last value of key in [Service] ("" and false when unset).
func (u unit) get(key string) (string, bool) {
	vs := u["Service"][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// execStart is the unit's ExecStart= split into words (the unit has no
// quoting).
func (u unit) execStart(t *testing.T) []string {
	t.Helper()
	v, ok := u.get("ExecStart")
	if !ok {
		t.Fatal("mvgen.service has no ExecStart=")
	}
	return strings.Fields(v)
}

// serveFlags reads the flags of the unit's `mvgen serve` that the tests
// use, with mvgen's defaults. (The proxy tests run mvgen with all of them:
// a flag it does not know fails there.)
func serveFlags(t *testing.T, args []string) (data, addr string, grace time.Duration) {
	t.Helper()
	if len(args) < 2 || args[1] != "serve" {
		t.Fatalf("ExecStart= runs %q, want mvgen serve", args)
	}
	data, addr, grace = "./mvgen-data", "127.0.0.1:8080", 60*time.Second
	for i := 2; i < len(args); i++ {
		name, value, ok := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !ok && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			value, i = args[i+1], i+1
		}
		switch name {
		case "data":
			data = value
		case "addr":
			addr = value
		case "shutdown-grace":
			d, err := time.ParseDuration(value)
			if err != nil {
				t.Fatalf("ExecStart= --shutdown-grace %q: %v", value, err)
			}
			grace = d
		}
	}
	return data, addr, grace
}

// stopAfterGrace is what mvgen serve takes on SIGTERM beyond
// --shutdown-grace: up to 30 s to interrupt and requeue running renders and
// 5 s to close connections (internal/server's Run and stopWork).
const stopAfterGrace = 35 * time.Second

// TestUnit checks mvgen.service: systemd-analyze verify finds nothing to
// say, systemd-analyze security rates its sandbox, and the settings the
// recipe depends on are there (a stop that gives --shutdown-grace its time,
// the data directory writable and nothing else).
func TestUnit(t *testing.T) {
	t.Parallel()
	u := readUnit(t, "mvgen.service")
	args := u.execStart(t)
	data, _, grace := serveFlags(t, args)

	want := map[string]string{
		"User": "mvgen", "Group": "mvgen", "KillSignal": "SIGTERM", "KillMode": "mixed", "Restart": "on-failure",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native", "CapabilityBoundingSet": "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "ReadWritePaths": data,
		"EnvironmentFile": "/etc/mvgen/mvgen.env",
	}
	for k, v := range want {
		if got, ok := u.get(k); !ok || got != v {
			t.Errorf("mvgen.service %s=%q (set: %v), want %q", k, got, ok, v)
		}
	}
	stop, _ := u.get("TimeoutStopSec")
	d, err := time.ParseDuration(stop)
	if err != nil {
		t.Fatalf("TimeoutStopSec=%q: %v", stop, err)
	}
	if d < grace+stopAfterGrace {
		t.Errorf("TimeoutStopSec=%v: systemd would SIGKILL mvgen before its stop can end (--shutdown-grace %v + %v)",
			d, grace, stopAfterGrace)
	}
	if sd, _ := u.get("StateDirectory"); "/var/lib/"+sd != data {
		t.Errorf("StateDirectory=%s makes /var/lib/%s, but mvgen serve --data is %s", sd, sd, data)
	}

	analyze := lookTool(t, "systemd-analyze", "systemd")
	// verify checks that ExecStart='s program exists: a copy of the unit
	// names an executable that does (this test's), nothing else changes.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("mvgen.service")
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "mvgen.service")
	os.WriteFile(copyPath, []byte(strings.Replace(string(shipped), args[0], self, 1)), 0o644)
	out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput()
	// verify exits 0 after warnings such as an unknown or misspelt setting:
	// any output is a finding.
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify mvgen.service: %v\n%s", err, out)
	}

	out, err = exec.Command(analyze, "security", "--offline=true", copyPath).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security --offline=true: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for mvgen.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security printed no exposure level:\n%s", out)
	}
	exposure, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f (0 is best, 10 is none)", exposure)
	// 1.4 when written: what is left is the network, @resources and the root
	// directory, all needed. More means a directive was lost.
	if exposure > 2 {
		t.Errorf("systemd-analyze security rates mvgen.service's exposure %.1f, want at most 2.0:\n%s", exposure, out)
	}
}

// lookTool finds a program the tests need. Without it they skip on a
// developer's machine and fail in CI (CI=true), where scripts/deps.sh
// installs pkg.
func lookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} { // nginx, outside a user's PATH
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode()&0o111 != 0 {
			return filepath.Join(dir, name)
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (run scripts/deps.sh; Debian package %s)", name, pkg)
	}
	t.Skipf("%s is not installed; make deps installs it (Debian package %s)", name, pkg)
	return ""
}
