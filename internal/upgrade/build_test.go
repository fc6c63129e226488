package upgrade

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// oldRelease is the release the upgrade tests upgrade from: the last one
// that landed, 8ec5443 ("api: one reader of a list's limit and cursor for
// the task and track lists", 2026-11-30), the commit before `mvgen version`
// existed. When a release lands, move it here (and in README.md's
// "Upgrading" and docs/DECISIONS.md's "Upgrades"): a test against a release
// nobody runs any more proves nothing about the next upgrade.
const oldRelease = "8ec5443a3d38c7635719be327c3aa0611892579c"

var (
	buildOnce sync.Once
	binDir    string // holds both binaries; TestMain removes it
	oldBin    string
	newBin    string
	buildErr  error
	buildTime time.Duration
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binaries builds, once per test process, the old release's mvgen and the
// working tree's, both as make build does (cgo: libx264 in process), and
// returns their paths.
func binaries(t *testing.T) (old, cur string) {
	t.Helper()
	built := false
	buildOnce.Do(func() {
		built = true
		start := time.Now()
		defer func() { buildTime = time.Since(start) }()
		binDir, buildErr = os.MkdirTemp("", "mvgen-upgrade-bin-")
		if buildErr != nil {
			return
		}
		oldBin = filepath.Join(binDir, "mvgen-"+oldRelease[:7])
		newBin = filepath.Join(binDir, "mvgen")
		src, err := oldSource()
		if err != nil {
			buildErr = err
			return
		}
		newErr := make(chan error, 1)
		go func() { newErr <- goBuild("../..", newBin) }()
		if err := goBuild(src, oldBin); err != nil {
			buildErr = fmt.Errorf("building the old release %s: %w", oldRelease[:7], err)
		}
		if err := <-newErr; err != nil {
			buildErr = errors.Join(buildErr, fmt.Errorf("building the working tree's mvgen: %w", err))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	if built {
		t.Logf("built the old release %s and the working tree's mvgen in %v", oldRelease[:7], buildTime.Round(time.Millisecond))
	}
	return oldBin, newBin
}

// goBuild builds dir's ./cmd/mvgen into out. No VCS stamp: the old
// release's tree is an extract, not a checkout.
func goBuild(dir, out string) error {
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", out, "./cmd/mvgen")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %v\n%s", dir, err, b)
	}
	return nil
}

// oldSource returns a directory holding oldRelease's tree, extracted with
// git archive from this clone's history into the user's cache directory
// once: a fixed path, so the Go build cache recognises its packages on the
// next run and the build is a link.
func oldSource() (string, error) {
	root, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return "", fmt.Errorf("the upgrade tests build release %s from this repository's history, "+
			"so they must run in a git clone: %v", oldRelease[:7], err)
	}
	if _, err := git("-C", root, "cat-file", "-e", oldRelease+"^{commit}"); err != nil {
		why := "it lacks it"
		if shallow, _ := git("-C", root, "rev-parse", "--is-shallow-repository"); shallow == "true" {
			why = "it is shallow"
		}
		return "", fmt.Errorf("commit %s, the release the upgrade tests start from, is not in this clone (%s): "+
			"fetch the full history (git fetch --unshallow, or in CI checkout with fetch-depth: 0)", oldRelease, why)
	}

	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "mvgen", "upgrade")
	dir := filepath.Join(base, oldRelease)
	const done = ".mvgen-upgrade-extracted"
	if _, err := os.Stat(filepath.Join(dir, done)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	// Extract beside it and rename into place, so a concurrent test
	// process (another package, another clone) never builds a half tree.
	tmp, err := os.MkdirTemp(base, ".extract-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", oldRelease)
	untar := exec.Command("tar", "-x", "-C", tmp)
	var stderr bytes.Buffer
	archive.Stderr, untar.Stderr = &stderr, &stderr
	if untar.Stdin, err = archive.StdoutPipe(); err != nil {
		return "", err
	}
	if err := untar.Start(); err != nil {
		return "", fmt.Errorf("tar: %w", err)
	}
	aerr := archive.Run()
	if uerr := untar.Wait(); aerr != nil || uerr != nil {
		return "", fmt.Errorf("git archive %s | tar -x: %v %v\n%s", oldRelease[:7], aerr, uerr, stderr.String())
	}
	if err := os.WriteFile(filepath.Join(tmp, done), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, done)); serr == nil {
			return dir, nil // another process was first
		}
		if errors.Is(err, fs.ErrExist) { // EEXIST or ENOTEMPTY
			// A directory left incomplete by a killed run: replace it.
			if rerr := os.RemoveAll(dir); rerr == nil {
				err = os.Rename(tmp, dir)
			}
		}
		if err != nil {
			return "", err
		}
	}
	return dir, nil
}

func git(args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(string(out)), nil
}
