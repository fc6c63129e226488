//go:build unix

package server

import "syscall"

// defaultMaxConns is DefaultMaxConns, or three quarters of the open-file
// limit when that is lower.
func defaultMaxConns() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur == 0 {
		return DefaultMaxConns
	}
	return int(min(uint64(DefaultMaxConns), max(16, l.Cur*3/4)))
}
