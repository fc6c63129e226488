package safe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/render/safe"
)

func TestCall(t *testing.T) {
	want := errors.New("plain")
	if err := safe.Call(func() error { return want }); err != want {
		t.Errorf("an error passes through: got %v", err)
	}
	err := safe.Call(func() error {
		var m map[string]int
		m["x"] = 1 // a runtime panic
		return nil
	})
	var pe *safe.PanicError
	if !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "safe_test.go") {
		t.Fatalf("a panic becomes a *PanicError with its stack: got %v", err)
	}
}

func TestFailpoint(t *testing.T) {
	safe.Failpoint("draw", "x") // no hook: nothing happens
	var got []string
	restore := safe.SetFailpoint(func(point, subject string) { got = append(got, point+" "+subject) })
	safe.Failpoint("draw", "song")
	restore()
	safe.Failpoint("draw", "after")
	if len(got) != 1 || got[0] != "draw song" {
		t.Errorf("hook calls: got %q, want [draw song]", got)
	}
}
