package ffmpeg

import "syscall"

// childAttr makes the kernel kill ffmpeg when mvgen dies, even by SIGKILL, so
// a killed service never leaves an orphan render writing to disk.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
