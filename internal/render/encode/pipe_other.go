//go:build !linux

package encode

import "os"

// frameWriter writes whole frames into the encoder's stdin pipe; outside
// Linux it is the pipe itself.
type frameWriter struct{ *os.File }

func newFrameWriter(f *os.File, frameSize int) *frameWriter { return &frameWriter{f} }
