package server_test

import (
	"os"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgentest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mvgentest.Cleanup() // the mvgen binary the process tests built
	os.Exit(code)
}
