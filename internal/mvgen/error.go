package mvgen

import (
	"errors"
	"fmt"
)

// Code is a domain error class. The API layer maps each to one envelope code
// (see internal/api); nothing else decides HTTP statuses.
type Code string

// Error codes.
const (
	EInvalid      Code = "invalid"      // validation failed (422)
	EBadRequest   Code = "bad_request"  // malformed JSON or wrong JSON types (400)
	EUnauthorized Code = "unauthorized" // missing, unknown or revoked key (401)
	EForbidden    Code = "forbidden"    // the key is valid, but a credential it carries was refused: its upstream key (403)
	ENotFound     Code = "not_found"    // no such object for this key (404)
	EConflict     Code = "conflict"     // idempotency key reused with another body; a task or music task not finished yet (409)
	ETooLarge     Code = "too_large"    // body over the size limit (413)
	ETimeout      Code = "timeout"      // the request body stalled (408)
	ETooMany      Code = "too_many"     // a per-key limit was reached (429)
	EUnavailable  Code = "unavailable"  // draining for maintenance; the upstream API unreachable (455, HTTP 503)
	EInternal     Code = "internal"     // anything else (500)
)

// Error is a domain error with a message fit for the API caller.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Msg) }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned by stores when a row does not exist (or belongs to
// another key, which callers must not be able to tell apart).
var ErrNotFound = &Error{Code: ENotFound, Msg: "not found"}

// ErrorCode returns the Code of err, or EInternal when err carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the caller-facing message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return "internal error"
}
