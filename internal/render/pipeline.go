package render

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
)

const (
	// frameDepth is how many frame buffers circulate between drawing and
	// the pipe to the encoder: one being drawn, one being written, one
	// ready.
	frameDepth = 3
	// pipeSize is the capacity asked for the encoder's stdin pipe: large,
	// so that a frame goes in a few system calls, but smaller than a frame
	// (see frameWriter).
	pipeSize = 1 << 20
	// progressInterval is the least time between two Progress calls.
	progressInterval = 250 * time.Millisecond
)

// errUndecodable is the user-facing message for a source ffprobe accepts
// but ffmpeg cannot decode.
const errUndecodable = "source audio could not be decoded"

// run renders p. It starts the audio decoder and the encoder, runs the
// static step while they start, then draws every frame and pipes it to the
// encoder. With sink set, the frames go to sink instead and no encoder
// runs (the benchmark uses this to time the encoder alone).
func (r *Renderer) run(ctx context.Context, p plan, sink io.Writer, progress func(float64)) error {
	ctx, cancel := context.WithCancel(ctx)
	var procs []*process
	var ring []*frame // the frame buffers, which the encoder's pipe may reference until it has exited
	defer func() {
		cancel()
		for _, pr := range procs {
			pr.wait() // reap every process, killed or not
		}
		runtime.KeepAlive(ring)
	}()

	dec := r.command(ctx, "decode", decodeArgs(p))
	samples, err := dec.cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := dec.start(); err != nil {
		return err
	}
	procs = append(procs, dec)

	var enc *process
	if sink == nil {
		var stdin *frameWriter
		if enc, stdin, err = r.startEncoder(ctx, p); err != nil {
			return err
		}
		procs = append(procs, enc)
		defer stdin.Close()
		sink = stdin
	}

	start := time.Now()
	sc, err := r.static(ctx, p)
	if err != nil {
		return err
	}
	r.logger().DebugContext(ctx, "static step done", "elapsed", time.Since(start))
	an := newAnalyser(bufio.NewReaderSize(samples, 64<<10), p.Layout.BarCount)
	for range frameDepth {
		ring = append(ring, sc.base.clone())
	}
	pumpErr := pump(ctx, sc, an, ring, sink, p.Frames, progress)
	r.logger().DebugContext(ctx, "frames drawn", "frames", p.Frames, "elapsed", time.Since(start))
	return r.finish(ctx, p, pumpErr, sink, samples, an, dec, enc)
}

// finish ends the decoder and the encoder after the last frame (or a
// failed one) and returns the most telling error: the decoder's, as an
// *InputError, then the encoder's, then the pump's, and last, when every
// frame was drawn, an *InputError if the source decoded to much less audio
// than its stated length.
func (r *Renderer) finish(ctx context.Context, p plan, pumpErr error, sink io.Writer, samples io.Reader,
	an *analyser, dec, enc *process) error {
	var encErr error
	if enc != nil {
		sink.(io.Closer).Close()
		encErr = enc.wait()
	}
	if ctx.Err() != nil {
		return fmt.Errorf("render: %w", ctx.Err())
	}
	io.Copy(io.Discard, samples)
	decErr := dec.wait()
	expected := int64(p.Duration.Seconds() * analysisRate * 4)
	switch {
	case decErr != nil:
		return &InputError{Msg: errUndecodable, Err: decErr}
	case encErr != nil:
		return encErr
	case pumpErr != nil:
		return pumpErr
	case an.bytes < expected/2:
		return &InputError{Msg: errUndecodable,
			Err: fmt.Errorf("decoded %d bytes of samples, want about %d", an.bytes, expected)}
	}
	return nil
}

// static runs the static step and loads its pictures. With a cover, its
// failure is the cover's: the cover is the step's only input besides the
// text files Render wrote.
func (r *Renderer) static(ctx context.Context, p plan) (*scene, error) {
	err := r.command(ctx, "static", staticArgs(p)).run(ctx)
	var sc *scene
	if err == nil {
		sc, err = newScene(p)
	}
	if err != nil && p.Cover != "" && ctx.Err() == nil {
		return nil, &InputError{Msg: "cover image could not be decoded", Err: err}
	}
	return sc, err
}

// startEncoder starts the encoder reading frames from a pipe, and returns
// the pipe's writing end.
func (r *Renderer) startEncoder(ctx context.Context, p plan) (*process, *frameWriter, error) {
	enc := r.command(ctx, "encode", encodeArgs(p, "pipe:0"))
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("render: %w", err)
	}
	enc.cmd.Stdin = pr
	err = enc.start()
	pr.Close()
	if err != nil {
		pw.Close()
		return nil, nil, err
	}
	return enc, newFrameWriter(pw, p.Layout.W*p.Layout.H*3/2), nil
}

// pump draws frames 0 to n-1 into the buffers of ring, in turn, and
// writes them to w, drawing the next frame while the last one is written.
// A buffer is drawn into again only once the frame after it has been
// written (see frameWriter). pump calls progress (when set) with the
// fraction of frames drawn, at most once per progressInterval, from the
// calling goroutine.
func pump(ctx context.Context, sc *scene, an *analyser, ring []*frame, w io.Writer, n int, progress func(float64)) error {
	free, full := make(chan *frame, len(ring)), make(chan *frame, len(ring))
	for _, f := range ring {
		free <- f
	}
	var writeErr error
	failed := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var last *frame // written, but maybe still referenced by the pipe
		for f := range full {
			if writeErr == nil {
				if _, writeErr = w.Write(f.buf); writeErr != nil {
					close(failed)
				}
			}
			if last != nil {
				free <- last
			}
			last = f
		}
	}()
	var err error
	var lastAt time.Time
	for i := range n {
		if err = ctx.Err(); err != nil {
			err = fmt.Errorf("render: %w", err)
			break
		}
		lv, aerr := an.next()
		if aerr != nil {
			err = fmt.Errorf("render: reading decoded audio: %w", aerr)
			break
		}
		var f *frame
		select {
		case f = <-free:
		case <-failed:
			err = errors.New("render: the encoder stopped reading")
		}
		if err != nil {
			break
		}
		sc.draw(f, i, lv)
		full <- f
		if progress != nil && time.Since(lastAt) >= progressInterval {
			progress(float64(i+1) / float64(n+1))
			lastAt = time.Now()
		}
	}
	close(full)
	wg.Wait()
	if writeErr != nil {
		return fmt.Errorf("render: writing frames: %w", writeErr)
	}
	return err
}

// start starts the process.
func (p *process) start() error {
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("render: starting ffmpeg (%s): %w", p.name, err)
	}
	return nil
}
