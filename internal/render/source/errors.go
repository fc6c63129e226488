package source

// InputError reports that the source audio or the cover image is unusable:
// corrupt, not audio, without an audio stream, too long, or a cover that is not
// a supported image or is too large. Callers map it to the contract's code
// 400. Msg is written for the end user; Err, when set, holds the detail (such
// as ffprobe's own message) for logs.
type InputError struct {
	Msg string
	Err error
}

// Error returns the user-facing message.
func (e *InputError) Error() string { return e.Msg }

// Unwrap returns the underlying cause, if any.
func (e *InputError) Unwrap() error { return e.Err }
