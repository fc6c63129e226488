package encode

import (
	"os"
	"syscall"
	"unsafe"
)

// Linux's pipe fcntls and vmsplice flag, which the syscall package does not
// name.
const (
	fSetPipeSize   = 1031 // F_SETPIPE_SZ
	fGetPipeSize   = 1032 // F_GETPIPE_SZ
	spliceNonblock = 0x02 // SPLICE_F_NONBLOCK
)

// frameWriter writes whole frames into the encoder's stdin pipe.
//
// On Linux it uses vmsplice(2), which hands the kernel references to the
// frame's pages instead of copying them into the pipe: ffmpeg's read then
// copies them out once, as it would from a file, and the copy into the pipe
// (about a tenth of a core at 720p30) is saved. The price is that a frame's
// memory must not change until ffmpeg has read it. Two facts make that
// easy: vmsplice returns only once the whole frame is in the pipe, and the
// pipe is made smaller than a frame; so when the next frame's vmsplice
// returns, every byte of this one has been read. pump draws into a buffer
// again only after the next frame is written, and FFmpeg.Encode keeps the
// buffers alive until the encoder has exited.
type frameWriter struct {
	f      *os.File
	raw    syscall.RawConn
	splice bool
}

// newFrameWriter sizes the pipe f for frames of frameSize bytes and decides
// whether vmsplice is safe: only when the pipe holds less than a frame.
func newFrameWriter(f *os.File, frameSize int) *frameWriter {
	w := &frameWriter{f: f}
	raw, err := f.SyscallConn()
	if err != nil {
		return w
	}
	w.raw = raw
	raw.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, pipeSize)
		size, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, fGetPipeSize, 0)
		w.splice = errno == 0 && int(size) < frameSize
	})
	return w
}

// Write writes all of b, with vmsplice when that is safe.
func (w *frameWriter) Write(b []byte) (int, error) {
	if !w.splice {
		return w.f.Write(b)
	}
	total := len(b)
	var werr error
	err := w.raw.Write(func(fd uintptr) bool {
		for len(b) > 0 {
			iov := syscall.Iovec{Base: &b[0]}
			iov.SetLen(len(b))
			n, _, errno := syscall.Syscall6(syscall.SYS_VMSPLICE, fd, uintptr(unsafe.Pointer(&iov)), 1, spliceNonblock, 0, 0)
			switch {
			case errno == syscall.EAGAIN:
				return false // wait until the pipe has room
			case errno == syscall.EINTR:
				continue
			case errno != 0:
				werr = errno
				return true
			}
			b = b[n:]
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return total - len(b), &os.PathError{Op: "vmsplice", Path: w.f.Name(), Err: err}
	}
	return total, nil
}

// Close closes the pipe.
func (w *frameWriter) Close() error { return w.f.Close() }
