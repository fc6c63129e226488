package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mvgen/mvgen/internal/render/x264"
)

// encode draws the p.Frames frames of the video with draw and encodes them
// with n encoders at once, each taking whole GOPs in turn, and muxes the
// GOPs in order with the audio into p.Out. newFrame makes a frame buffer
// for draw (each encoder's goroutine has its own ring of them). doc.go
// ("Why GOPs in parallel") says why, with figures.
func (r *Renderer) encode(ctx context.Context, p plan, n int, newFrame func() *frame,
	draw func(*frame, int) error, progress func(float64)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	mux := r.command(ctx, "mux", muxArgs(p, "pipe:0"))
	muxIn, err := mux.cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := mux.start(); err != nil {
		return err
	}
	gops := gopCount(p.Frames)
	asm := &assembler{w: muxIn, ready: map[int][]byte{}, spare: &gopBuffers{}}
	var next, drawn atomic.Int64
	errs := make(chan error, n)
	take := func() (int, bool) {
		g := int(next.Add(1) - 1)
		return g, g < gops
	}
	for range n {
		go func() {
			if r.inProcess() {
				errs <- r.encodeGOPsInProcess(ctx, p, take, asm, newFrame, draw, &drawn)
			} else {
				errs <- r.encodeGOPs(ctx, p, take, asm, newFrame, draw, &drawn)
			}
		}()
	}

	var first error
	var reported int64 // frames drawn at the last progress call
	tick := time.NewTicker(progressInterval)
	defer tick.Stop()
	for running := n; running > 0; {
		select {
		case err := <-errs:
			running--
			if err != nil && first == nil {
				first = err
				cancel()
			}
		case <-tick.C:
			if n := drawn.Load(); progress != nil && n > reported {
				progress(float64(n) / float64(p.Frames+1))
				reported = n
			}
		}
	}
	muxIn.Close()
	muxErr := mux.wait()
	switch {
	case muxErr != nil && (first == nil || errors.Is(first, errMuxWrite)):
		return muxErr
	case first != nil:
		return first
	case asm.next != gops:
		return fmt.Errorf("render: the encoders made %d GOPs, want %d", asm.next, gops)
	}
	return nil
}

// inProcess reports whether the render's encoders are libx264 in this
// process (see package x264) rather than ffmpeg processes.
func (r *Renderer) inProcess() bool { return x264.Available && !r.ffmpegEncoders }

// encodeGOPsInProcess runs one encoder in this process: it takes a GOP
// with take, draws each of its frames and encodes it with libx264, hands
// the GOP to asm, and so on until take reports none is left. Each frame is
// compared with the one before it, so that libx264 skips the macroblocks
// that did not change (see package x264); only the macroblocks ever
// written to either frame are compared (see frame.touched), which at
// 1080p halves the time the comparison takes. Two frame buffers take
// turns: one is drawn while the other holds the frame before it.
func (r *Renderer) encodeGOPsInProcess(ctx context.Context, p plan, take func() (int, bool), asm *assembler,
	newFrame func() *frame, draw func(*frame, int) error, drawn *atomic.Int64) error {
	l := p.Layout
	enc, err := x264.Open(l.W, l.H, frameRate, videoQPValue)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	defer enc.Close()
	ring := [2]*frame{newFrame(), newFrame()}
	var changed []byte // where the frame may differ from the one before, when both frames mark it
	if ring[0].touched != nil && ring[1].touched != nil {
		changed = make([]byte, len(ring[0].touched))
	}
	n, size := 0, 0 // frames encoded; the last GOP's size, to size the next one's buffer
	for {
		g, ok := take()
		if !ok {
			return nil
		}
		first, end := g*gopFrames, min((g+1)*gopFrames, p.Frames)
		out := asm.spare.get(size + size/4)
		for i := first; i < end; i++ {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("render: %w", err)
			}
			f, prev := ring[n%2], ring[(n+1)%2]
			if err := draw(f, i); err != nil {
				return err
			}
			var prevBuf []byte
			if i > first {
				prevBuf = prev.buf
			}
			// Both frames are clones of the still picture: they differ
			// only where either has been written (changed is nil when
			// they do not say).
			for m := range changed {
				changed[m] = f.touched[m] | prev.touched[m]
			}
			if out, err = enc.Encode(out, f.buf, prevBuf, changed, i == first, int64(i)); err != nil {
				return fmt.Errorf("render: %w", err)
			}
			n++
			drawn.Add(1)
		}
		size = len(out)
		if err := asm.put(g, out); err != nil {
			return err
		}
	}
}

// encodeGOPs runs one encoder. It takes a GOP with take, draws its frames
// into the encoder, and so on until take reports none is left; meanwhile a
// goroutine splits the encoder's output into GOPs and hands them to asm.
func (r *Renderer) encodeGOPs(parent context.Context, p plan, take func() (int, bool), asm *assembler,
	newFrame func() *frame, draw func(*frame, int) error, drawn *atomic.Int64) error {
	// ctx ends this encoder early when its output cannot be used.
	ctx, stop := context.WithCancel(parent)
	defer stop()
	enc := r.command(ctx, "encode", encodeArgs(p, "pipe:0", "pipe:1"))
	out, err := enc.cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	enc.cmd.Stdin = pr
	err = enc.start()
	pr.Close()
	if err != nil {
		pw.Close()
		return err
	}
	stdin := newFrameWriter(pw, p.Layout.W*p.Layout.H*3/2)
	// ring may be referenced by the pipe until the encoder has exited.
	ring := make([]*frame, frameDepth)
	for i := range ring {
		ring[i] = newFrame()
	}

	// taken lists the GOPs given to the encoder, in order: its output has
	// the same GOPs in the same order.
	taken := make(chan int, gopCount(p.Frames))
	split := make(chan error, 1)
	go func() {
		err := splitGOPs(out, asm.spare, func(gop []byte) error {
			g, ok := <-taken
			if !ok {
				return errors.New("render: the encoder made more GOPs than it was given")
			}
			return asm.put(g, gop)
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
			g, ok := take()
			if !ok {
				return
			}
			taken <- g
			for i := g * gopFrames; i < min((g+1)*gopFrames, p.Frames); i++ {
				if !yield(i) {
					return
				}
			}
		}
	}
	pumpErr := pump(ctx, ring, stdin, frames, draw, drawn)
	stdin.Close()
	close(taken)
	splitErr := <-split
	encErr := enc.wait()
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

// gopCount is how many GOPs a video of frames frames has.
func gopCount(frames int) int { return (frames + gopFrames - 1) / gopFrames }

// errMuxWrite marks a failure to write to the muxer, which the muxer's own
// error explains better.
var errMuxWrite = errors.New("writing to the muxer")

// assembler writes GOPs to w in order, keeping those that come early.
type assembler struct {
	mu    sync.Mutex
	w     io.Writer
	ready map[int][]byte
	next  int         // the next GOP to write
	spare *gopBuffers // when set, receives each GOP's buffer once written
}

// gopBuffers keeps the buffers of GOPs written to the muxer for splitGOPs
// to read the next GOPs into: without them, each GOP (about 0.8 MB at 720p)
// would be garbage once written, and the Go heap would grow to its
// collection goal, twice what it holds, during every render.
type gopBuffers struct {
	mu   sync.Mutex
	bufs [][]byte
}

// get returns an empty buffer of at least capacity n: a spare one when one
// is large enough.
func (g *gopBuffers) get(n int) []byte {
	if g != nil {
		g.mu.Lock()
		defer g.mu.Unlock()
		for i, b := range g.bufs {
			if cap(b) >= n {
				g.bufs = slices.Delete(g.bufs, i, i+1)
				return b[:0]
			}
		}
	}
	return make([]byte, 0, n)
}

// put keeps b for get; it keeps at most four buffers.
func (g *gopBuffers) put(b []byte) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.bufs) < 4 {
		g.bufs = append(g.bufs, b)
	}
}

// put adds GOP g and writes every GOP that is now next in line.
func (a *assembler) put(g int, data []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ready[g] = data
	for {
		data, ok := a.ready[a.next]
		if !ok {
			return nil
		}
		delete(a.ready, a.next)
		if _, err := a.w.Write(data); err != nil {
			return fmt.Errorf("render: %w: %w", errMuxWrite, err)
		}
		a.spare.put(data)
		a.next++
	}
}

// nalSPS is the NAL unit type of a sequence parameter set, which x264
// writes at the start of every GOP.
const nalSPS = 7

// splitGOPs reads an H.264 byte stream (Annex B) from r and calls emit with
// each GOP in turn: the bytes from one SPS NAL unit, with its start code,
// up to the next. Start codes cannot occur inside NAL units (emulation
// prevention), so the split is exact. emit owns the slice it is given.
// GOPs are read into buffers from spare (nil: new ones).
func splitGOPs(r io.Reader, spare *gopBuffers, emit func([]byte) error) error {
	const chunk = 256 << 10
	var cur []byte // the GOP being read
	scanned := 0   // start codes before this offset of cur have been looked at
	for {
		cur = slices.Grow(cur, chunk)
		n, err := r.Read(cur[len(cur) : len(cur)+chunk])
		cur = cur[:len(cur)+n]
		for {
			at := nextSPS(cur, scanned)
			if at < 0 {
				scanned = max(0, len(cur)-3) // a start code may straddle reads
				break
			}
			if at > 0 {
				gop := cur[:at:at]
				// The next GOP gets room for as much as this one and a
				// read more, so that it seldom grows (each growth is a
				// copy, and garbage).
				cur = append(spare.get(max(len(cur), at+at/4)+chunk), cur[at:]...)
				if err := emit(gop); err != nil {
					return err
				}
			}
			scanned = 4 // past the start code and header of the SPS now at 0
		}
		switch {
		case errors.Is(err, io.EOF):
			if len(cur) > 0 {
				return emit(cur)
			}
			return nil
		case err != nil:
			return fmt.Errorf("render: reading the encoder's output: %w", err)
		}
	}
}

// nextSPS returns the offset in b, at or after from, where the start code
// of an SPS NAL unit begins (with its leading zero byte, when it has one),
// or -1.
func nextSPS(b []byte, from int) int {
	for from < len(b) {
		i := bytes.Index(b[from:], []byte{0, 0, 1})
		if i < 0 || from+i+3 >= len(b) {
			return -1
		}
		at := from + i
		if b[at+3]&0x1f == nalSPS {
			if at > 0 && b[at-1] == 0 {
				at--
			}
			return at
		}
		from = at + 3
	}
	return -1
}

// frameSeq yields the frame numbers from to to-1.
func frameSeq(from, to int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := from; i < to; i++ {
			if !yield(i) {
				return
			}
		}
	}
}
