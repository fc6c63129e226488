//go:build !linux

package ffmpeg

import "os/exec"

// Isolate has nothing to add outside Linux: exec.CommandContext already
// kills the process when its context ends.
func Isolate(cmd *exec.Cmd) {}
