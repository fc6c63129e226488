package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfoString(t *testing.T) {
	t.Parallel()
	stamp := func(kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{GoVersion: "go1.26.8"}
		for i := 0; i+1 < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name    string
		version string
		info    *debug.BuildInfo
		want    string
	}{
		{"release", "1.4.0", stamp("vcs.revision", "8ec5443a", "vcs.time", "2025-12-05T10:00:00Z", "vcs.modified", "false"),
			"mvgen 1.4.0 (commit 8ec5443a, 2025-12-05T10:00:00Z, go1.26.8 " + platform + ")"},
		{"modified tree", "dev", stamp("vcs.revision", "8ec5443a", "vcs.modified", "true"),
			"mvgen dev (commit 8ec5443a, modified, go1.26.8 " + platform + ")"},
		{"no VCS stamp", "dev", stamp(), "mvgen dev (commit unknown, go1.26.8 " + platform + ")"},
		{"go install @version", "dev", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			"mvgen v1.4.0 (commit unknown, go1.26.8 " + platform + ")"},
	} {
		if got := newBuildInfo(tc.version, tc.info).String(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVersionCommand runs `mvgen version` in this test binary: no VCS
// stamp (go test does not stamp), the default version.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &errOut); err != nil {
		t.Fatalf("mvgen version: %v %s", err, errOut.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "mvgen dev (") {
		t.Errorf("mvgen version printed %q, want it to start with %q", got, "mvgen dev (")
	}
	if err := run(context.Background(), []string{"version", "extra"}, &out, &errOut); err == nil {
		t.Error("mvgen version extra: no error")
	}
}

// TestVersionBuilt builds mvgen with make build, as the README does, with a
// version, and checks what it prints against git: the version, HEAD's
// commit, and "modified" exactly when git status shows changes.
func TestVersionBuilt(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout (%v): a build has no commit to show", err)
	}
	bin := filepath.Join(t.TempDir(), "mvgen")
	build := exec.Command("make", "--no-print-directory", "-C", "../..", "build", "BIN="+bin, "VERSION=9.8.7-test")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("mvgen version: %v", err)
	}
	got := strings.TrimSpace(string(out))
	want := "mvgen 9.8.7-test (commit " + strings.TrimSpace(string(head))
	if !strings.HasPrefix(got, want) {
		t.Errorf("mvgen version printed %q, want it to start with %q", got, want)
	}
	status, err := exec.Command("git", "status", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	if dirty := len(bytes.TrimSpace(status)) > 0; strings.Contains(got, ", modified") != dirty {
		t.Errorf("mvgen version printed %q; git status shows changes: %v", got, dirty)
	}
}
