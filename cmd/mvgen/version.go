package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release this binary was built as, set at link time:
//
//	go build -ldflags "-X main.version=1.4.0" ./cmd/mvgen   (make build VERSION=1.4.0)
//
// A build without it is "dev" (or the module's version for go install
// …@v1.4.0); its commit still tells which source it is.
var version = "dev"

// commit and modified are the fallback for builds go does not stamp with
// VCS information: go build stamps vcs.revision only when .git is a
// directory, not in a git worktree (where .git is a file) nor with
// -buildvcs=false. make build sets both from git.
var commit, modified string

// buildInfo describes this binary: its version, the commit it was built
// from and whether the tree had uncommitted changes (go build stamps
// vcs.revision and vcs.modified when it builds inside a git checkout).
type buildInfo struct {
	Version  string
	Commit   string // "" when the build carries no VCS stamp (go run, go test, -buildvcs=false)
	Time     string // the commit's time, RFC 3339
	Modified bool
	Go       string
}

// readBuildInfo reads this binary's build information.
func readBuildInfo() buildInfo {
	info, _ := debug.ReadBuildInfo()
	b := newBuildInfo(version, info)
	if b.Commit == "" && commit != "" {
		b.Commit, b.Modified = commit, modified == "true"
	}
	return b
}

// newBuildInfo reads the VCS stamps of info (nil when the binary has none).
func newBuildInfo(version string, info *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version()}
	if info == nil {
		return b
	}
	if info.GoVersion != "" {
		b.Go = info.GoVersion
	}
	if v := info.Main.Version; b.Version == "dev" && v != "" && v != "(devel)" {
		b.Version = v // go install github.com/mvgen/mvgen/cmd/mvgen@v1.4.0
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is what mvgen version prints, e.g.
//
//	mvgen 1.4.0 (commit 8ec5443a…, 2025-12-05T10:00:00Z, go1.26.8 linux/amd64)
//	mvgen dev (commit 8ec5443a…, modified, 2025-12-05T10:00:00Z, go1.26.8 linux/amd64)
func (b buildInfo) String() string {
	commit := "commit unknown"
	if b.Commit != "" {
		commit = "commit " + b.Commit
		if b.Modified {
			commit += ", modified"
		}
		if b.Time != "" {
			commit += ", " + b.Time
		}
	}
	return fmt.Sprintf("mvgen %s (%s, %s %s/%s)", b.Version, commit, b.Go, runtime.GOOS, runtime.GOARCH)
}

// versionCmd is `mvgen version`: the version and the commit.
func versionCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("version: unexpected argument %q", pos[0])
	}
	fmt.Fprintln(stdout, readBuildInfo())
	return nil
}
