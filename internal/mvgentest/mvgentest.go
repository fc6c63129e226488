// Package mvgentest builds the mvgen binary once per test process, for the
// tests that run it as a process of its own (the fault suite, the
// production recipe): as `make build` does, cgo and the in-process libx264
// encoder included.
package mvgentest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	bin  string
	err  error
)

// Binary returns the path of the mvgen binary, building it on the first
// call; it fails tb when the build fails.
func Binary(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "mvgen-bin-"); err != nil {
			return
		}
		bin = filepath.Join(dir, "mvgen")
		if out, berr := exec.Command("go", "build", "-o", bin, "github.com/mvgen/mvgen/cmd/mvgen").CombinedOutput(); berr != nil {
			err = fmt.Errorf("%v\n%s", berr, out)
		}
	})
	if err != nil {
		tb.Fatalf("building mvgen: %v", err)
	}
	return bin
}

// Cleanup removes the binary Binary built, if any. Call it from TestMain
// after m.Run.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}
