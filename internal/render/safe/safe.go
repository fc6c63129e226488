// Package safe keeps a panic in a render from killing the node: every
// goroutine a render starts runs its work through Call, which turns a panic
// into that render's error (a *PanicError with the stack), so the task
// fails with an internal error and the process goes on serving.
//
// Failpoint is the fault suite's way in: a test sets a hook that panics at a
// named point of a render it chooses; in production no hook is set and a
// failpoint costs one atomic load.
package safe

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// PanicError is a panic recovered in a render goroutine.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("render: panic: %v", e.Value) }

// Call runs fn and returns its error, or a *PanicError when fn panicked.
func Call(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

var hook atomic.Pointer[func(point, subject string)]

// SetFailpoint sets the hook that every Failpoint calls (nil removes it) and
// returns a function that restores the previous one. For tests only.
func SetFailpoint(fn func(point, subject string)) (restore func()) {
	var p *func(point, subject string)
	if fn != nil {
		p = &fn
	}
	old := hook.Swap(p)
	return func() { hook.Store(old) }
}

// Failpoint calls the hook, if one is set, with the point's name and what
// the render is about (its title).
func Failpoint(point, subject string) {
	if fn := hook.Load(); fn != nil {
		(*fn)(point, subject)
	}
}
