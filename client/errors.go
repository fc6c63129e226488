package client

import (
	"errors"
	"fmt"
	"time"
)

// Sentinels for the common outcomes; an *Error matches the one for its code
// with errors.Is:
//
//	if errors.Is(err, client.ErrNotFound) { … }
var (
	ErrBadRequest   = errors.New("bad request")                 // 400: not JSON, or wrong JSON types
	ErrUnauthorized = errors.New("unauthorized")                // 401: missing, unknown or revoked key
	ErrQuota        = errors.New("quota used up")               // 402
	ErrNotFound     = errors.New("not found")                   // 404: no such task or track for this key
	ErrConflict     = errors.New("conflict")                    // 409: Idempotency-Key reused with another body; hosted: record exists
	ErrTooLarge     = errors.New("request too large")           // 413
	ErrValidation   = errors.New("validation failed")           // 422: Msg names the field and the rule
	ErrRateLimited  = errors.New("rate limited")                // 429: see Error.RetryAfter
	ErrUnavailable  = errors.New("unavailable for maintenance") // 455 (HTTP 503)
	ErrInternal     = errors.New("internal server error")       // 500: Msg holds a request id
	// ErrVideoFailed matches a *VideoError: the task ended without a video.
	ErrVideoFailed = errors.New("video failed")
)

// sentinels maps the envelope's codes to the sentinel errors.
var sentinels = map[int]error{
	400: ErrBadRequest,
	401: ErrUnauthorized,
	402: ErrQuota,
	404: ErrNotFound,
	409: ErrConflict,
	413: ErrTooLarge,
	422: ErrValidation,
	429: ErrRateLimited,
	455: ErrUnavailable,
	503: ErrUnavailable,
	500: ErrInternal,
}

// Error is an answer of the API that is not a success. Get it with
// errors.As; compare it with the sentinels through errors.Is.
type Error struct {
	// StatusCode is the HTTP status. The hosted services answer 200 with
	// the error in the body; mvgen answers 503 for code 455.
	StatusCode int
	// Code is the envelope's code (contract §1): 400, 401, 404, 409, 413,
	// 422, 429, 455, 500, …; the HTTP status where the body had none.
	Code int
	// Msg is the envelope's message: what went wrong and what to do.
	Msg string
	// RetryAfter is the server's Retry-After, 0 when it sent none.
	RetryAfter time.Duration
}

// Error implements error: "422 author must be at most 50 characters".
func (e *Error) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%d (HTTP %d)", e.Code, e.StatusCode)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Msg)
}

// Is reports whether target is the sentinel for e's code.
func (e *Error) Is(target error) bool {
	s, ok := sentinels[e.Code]
	return ok && s == target
}

// temporary reports whether the answer asks to come back later.
func (e *Error) temporary() bool {
	switch e.Code {
	case 429, 455, 503:
		return true
	}
	return e.StatusCode == 429 || e.StatusCode == 503
}

// VideoError is a video task that ended without a video (successFlag
// CREATE_TASK_FAILED or GENERATE_MP4_FAILED), as WaitForVideo returns it.
// It matches ErrVideoFailed.
type VideoError struct {
	TaskID string
	// Flag is the task's successFlag (JobFail, "fail", from WaitForJob).
	Flag Status
	// ErrorCode and ErrorMessage are record-info's errorCode and
	// errorMessage: 400 the source is not usable, 451 it could not be
	// downloaded, 500 rendering failed.
	ErrorCode    int
	ErrorMessage string
}

// Error implements error.
func (e *VideoError) Error() string {
	msg := e.ErrorMessage
	if msg == "" {
		msg = "no message"
	}
	return fmt.Sprintf("video task %s failed (%s): %d %s", e.TaskID, e.Flag, e.ErrorCode, msg)
}

// Is makes errors.Is(err, ErrVideoFailed) true.
func (e *VideoError) Is(target error) bool { return target == ErrVideoFailed }

// TooLargeError is Download's error for a video larger than
// DownloadOptions.MaxBytes.
type TooLargeError struct {
	// Size is the video's size as the server stated it; -1 when it did not
	// and the body ran past Limit.
	Size int64
	// Limit is DownloadOptions.MaxBytes.
	Limit int64
}

// Error implements error.
func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("the video is over the %d-byte limit", e.Limit)
	}
	return fmt.Sprintf("the video is %d bytes, over the %d-byte limit", e.Size, e.Limit)
}
