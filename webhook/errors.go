package webhook

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors from DecodeSecret, Sign, SetHeaders, Verify and
// ParseEvent wrap one of them (test with [errors.Is]); the wrapping message
// adds context but never a secret.
var (
	// ErrInvalidSecret means a secret is missing or is not "whsec_" + standard
	// base64. It is a configuration error, not a bad request.
	ErrInvalidSecret = errors.New("webhook: invalid secret")

	// ErrMissingHeaders means a signature, timestamp or id header is absent or empty.
	ErrMissingHeaders = errors.New("webhook: missing signature headers")

	// ErrTimestamp means the timestamp header is not a decimal count of Unix
	// seconds. [ErrTooOld] and [ErrTooNew] wrap it, so errors.Is(err,
	// ErrTimestamp) reports any timestamp problem.
	ErrTimestamp = errors.New("webhook: bad timestamp")

	// ErrTooOld means the timestamp lies further in the past than the tolerance.
	ErrTooOld = fmt.Errorf("%w: too old", ErrTimestamp)

	// ErrTooNew means the timestamp lies further in the future than the tolerance.
	ErrTooNew = fmt.Errorf("%w: too new", ErrTimestamp)

	// ErrNoMatch means no signature in the headers matches any accepted secret.
	ErrNoMatch = errors.New("webhook: no matching signature")

	// ErrInvalidEvent means the body is not a callback [Event] (see [ParseEvent]).
	ErrInvalidEvent = errors.New("webhook: invalid event")
)
