package encode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

const (
	// frameDepth is how many frame buffers an encoder's pump circulates:
	// one being drawn while the last one may still be in the pipe.
	frameDepth = 2
	// pipeSize is the capacity asked for the encoder's stdin pipe: large,
	// so that a frame goes in a few system calls, but smaller than a frame
	// (see frameWriter).
	pipeSize = 1 << 20
)

// FFmpeg encodes with ffmpeg processes, one an encoder, fed through pipes
// (on Linux with vmsplice, without a copy: see frameWriter): what builds
// without libx264 use, and every render did before the in-process encoder.
type FFmpeg struct {
	// Runner runs the encoders.
	Runner *ffmpeg.Runner
}

// Encode runs one encoder. It takes a GOP, draws its frames into the
// encoder, and so on until none is left; meanwhile a goroutine cuts the
// encoder's output into GOPs at the SPS that starts each, and hands them
// to gops.
func (e FFmpeg) Encode(parent context.Context, v Video, fr Frames, gops *GOPs) error {
	// ctx ends this encoder early when its output cannot be used.
	ctx, stop := context.WithCancel(parent)
	defer stop()
	enc := e.Runner.Command(ctx, "encode", EncoderArgs(v, "pipe:0", "pipe:1"))
	out, err := enc.Cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	enc.Cmd.Stdin = pr
	err = enc.Start()
	pr.Close()
	if err != nil {
		pw.Close()
		return err
	}
	stdin := newFrameWriter(pw, v.W*v.H*3/2)
	// ring may be referenced by the pipe until the encoder has exited.
	ring := make([]*yuv.Frame, frameDepth)
	for i := range ring {
		ring[i] = fr.New()
	}

	// taken lists the GOPs given to the encoder, in order: its output has
	// the same GOPs in the same order.
	taken := make(chan int, v.GOPs())
	split := make(chan error, 1)
	go func() {
		err := splitGOPs(out, gops.asm.spare, func(gop []byte) error {
			g, ok := <-taken
			if !ok {
				return errors.New("render: the encoder made more GOPs than it was given")
			}
			return gops.Put(g, gop)
		})
		if err == nil {
			// The encoder has exited, so the pump is done and taken closes.
			if _, more := <-taken; more {
				err = errors.New("render: the encoder made fewer GOPs than it was given")
			}
		} else {
			// Stop the encoder, whose output is lost, so that it does not
			// wait on a full pipe; and read what it still writes.
			stop()
			io.Copy(io.Discard, out)
		}
		split <- err
	}()
	frames := func(yield func(int) bool) {
		for {
			g, first, end, ok := gops.Take()
			if !ok {
				return
			}
			taken <- g
			for i := first; i < end; i++ {
				if !yield(i) {
					return
				}
			}
		}
	}
	pumpErr := pump(ctx, ring, stdin, frames, fr.Draw, gops)
	stdin.Close()
	close(taken)
	splitErr := <-split
	encErr := enc.Wait()
	runtime.KeepAlive(ring)
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("render: %w", parent.Err())
	case errors.Is(splitErr, errMuxWrite):
		return splitErr // the muxer failed, and this encoder was stopped
	case encErr != nil:
		return encErr
	case pumpErr != nil:
		return pumpErr
	}
	return splitErr
}

// pump draws the frames that frames yields into the buffers of ring, in
// turn, and writes each to w. A buffer is drawn into again only once the
// frame after it has been written, which is what frameWriter needs. gops,
// when set, counts the frames drawn.
//
// Drawing and writing take turns in one goroutine: a render runs one pump
// per encoder, which keeps the cores busy, and handing frames to a second
// goroutine cost more in wake-ups than the overlap saved.
func pump(ctx context.Context, ring []*yuv.Frame, w io.Writer, frames iter.Seq[int], draw func(*yuv.Frame, int) error,
	gops *GOPs) error {
	n := 0
	for i := range frames {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		f := ring[n%len(ring)]
		n++
		if err := draw(f, i); err != nil {
			return err
		}
		if _, err := w.Write(f.Pix); err != nil {
			return fmt.Errorf("render: writing frames: %w", err)
		}
		if gops != nil {
			gops.Drew()
		}
	}
	return nil
}
