//go:build !cgo || nox264

package x264

import "errors"

// Available reports whether this build encodes in process: not without
// cgo or with the tag nox264.
const Available = false

// Encoder is not available in this build.
type Encoder struct{}

// Open fails: this build has no libx264.
func Open(w, h, fps, qp int) (*Encoder, error) {
	return nil, errors.New("x264: this build has no libx264 (built without cgo or with the tag nox264)")
}

// Encode fails.
func (e *Encoder) Encode(out, pic, prev, changed []byte, idr bool, pts int64) ([]byte, error) {
	return out, errors.New("x264: this build has no libx264")
}

// Close does nothing.
func (e *Encoder) Close() {}
