package docs_test

import (
	"os"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgentest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mvgentest.Cleanup() // the mvgen binary TestMakeRunChecks built
	os.Exit(code)
}
