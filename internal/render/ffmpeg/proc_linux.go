package ffmpeg

import (
	"os/exec"
	"syscall"
)

// Isolate readies cmd, an ffmpeg or ffprobe process, to run apart from
// mvgen's own signals and never outlive it:
//
//   - in a process group of its own, so the SIGINT a terminal sends to
//     its whole foreground group on Ctrl-C (`make run`) reaches mvgen alone,
//     which then lets running renders finish within --shutdown-grace
//     instead of seeing their ffmpeg die with it;
//   - killed as a group (SIGKILL to -pid) when its context ends, so nothing
//     it started is left behind;
//   - killed by the kernel when mvgen dies, even by SIGKILL (Pdeathsig), so
//     a killed service never leaves an orphan render writing to disk.
//
// Call it after exec.CommandContext and before Start.
func Isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		// The group's id is the process's own (Setpgid with Pgid 0).
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
}
