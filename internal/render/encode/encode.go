package encode

import (
	"context"
	"errors"
	"fmt"
	"github.com/mvgen/mvgen/internal/render/safe"
	"io"
	"iter"
	"sync/atomic"
	"time"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/x264"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// progressInterval is the least time between two progress calls.
const progressInterval = 250 * time.Millisecond

// InProcess reports whether this build can encode in process (X264): not
// without cgo or with the tag nox264, which then use FFmpeg.
const InProcess = x264.Available

// Video is what the encoders make: Frames pictures of W×H (both even) at
// FPS frames a second.
type Video struct {
	W, H   int
	FPS    int
	Frames int
}

// GOP is the length of a GOP in frames: a keyframe every 5 s.
func (v Video) GOP() int { return gopSeconds * v.FPS }

// GOPs is how many GOPs the video has.
func (v Video) GOPs() int { return (v.Frames + v.GOP() - 1) / v.GOP() }

// Frames are what the encoders encode: frame buffers, and how to draw a
// frame into one.
type Frames struct {
	// New returns a frame buffer. Each encoder draws into its own; a clone
	// of the still picture (see yuv.Frame.Clone) lets the in-process
	// encoder compare only the macroblocks written.
	New func() *yuv.Frame
	// Draw draws frame i into f, which holds a frame drawn before or is
	// as New made it. Several encoders call it at once.
	Draw func(f *yuv.Frame, i int) error
}

// Encoder is one way to encode a video: Encode runs one encoder, and Run
// runs several at once on different GOPs. The two implementations are
// X264, libx264 in this process, and FFmpeg, ffmpeg processes.
type Encoder interface {
	// Encode takes GOPs from gops until none is left, draws each GOP's
	// frames with fr.Draw into buffers from fr.New and encodes them,
	// counting each frame drawn (gops.Drew), and hands each GOP's H.264 to
	// gops.Put. A GOP is whole in one encoder, starts with an IDR picture
	// (and the SPS and PPS) and references nothing before it.
	Encode(ctx context.Context, v Video, fr Frames, gops *GOPs) error
}

// Job is one video to encode.
type Job struct {
	Video  Video
	Frames Frames
	Output Output
	// Encoders is how many encoders run at once; at least one, and no
	// more than the video has GOPs.
	Encoders int
	// Progress, when set, is called with the fraction of the frames drawn
	// (below 1) a few times a second, from Run's goroutine.
	Progress func(fraction float64)
}

// Run encodes j's frames with j.Encoders encoders of enc at once, each
// taking whole GOPs in turn, and muxes the GOPs in order with the audio
// into j.Output.Path, with the muxer ff runs. The render package's doc.go
// ("Why GOPs in parallel") says why, with figures.
func Run(ctx context.Context, enc Encoder, ff *ffmpeg.Runner, j Job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	mux := ff.Command(ctx, "mux", MuxArgs(j.Output, j.Video.FPS, "pipe:0"))
	muxIn, err := mux.Cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := mux.Start(); err != nil {
		return err
	}
	gops := &GOPs{v: j.Video, asm: &assembler{w: muxIn, ready: map[int][]byte{}, spare: &gopBuffers{}}}
	n := max(1, min(j.Encoders, j.Video.GOPs()))
	errs := make(chan error, n)
	for range n {
		go func() { errs <- safe.Call(func() error { return enc.Encode(ctx, j.Video, j.Frames, gops) }) }()
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
			if n := gops.drawn.Load(); j.Progress != nil && n > reported {
				j.Progress(float64(n) / float64(j.Video.Frames+1))
				reported = n
			}
		}
	}
	muxIn.Close()
	muxErr := mux.Wait()
	switch {
	case muxErr != nil && (first == nil || errors.Is(first, errMuxWrite)):
		return muxErr
	case first != nil:
		return first
	case gops.asm.next != j.Video.GOPs():
		return fmt.Errorf("render: the encoders made %d GOPs, want %d", gops.asm.next, j.Video.GOPs())
	}
	return nil
}

// GOPs hands a video's GOPs out to the encoders, in order, and writes the
// H.264 they make to the muxer, in order. It is safe for concurrent use.
type GOPs struct {
	v     Video
	next  atomic.Int64 // the next GOP to hand out
	drawn atomic.Int64 // frames drawn
	asm   *assembler
}

// Take returns the next GOP nobody has taken and its frames, [first, end);
// ok is false when none is left.
func (q *GOPs) Take() (g, first, end int, ok bool) {
	g = int(q.next.Add(1) - 1)
	if g >= q.v.GOPs() {
		return g, 0, 0, false
	}
	return g, g * q.v.GOP(), min((g+1)*q.v.GOP(), q.v.Frames), true
}

// Put hands GOP g's H.264 byte stream (Annex B, from its SPS) to the
// muxer, which writes the GOPs in order; data is the muxer's from then on.
func (q *GOPs) Put(g int, data []byte) error { return q.asm.put(g, data) }

// Buffer returns an empty buffer of capacity n at least for the next GOP:
// one the muxer is done with, when one is large enough.
func (q *GOPs) Buffer(n int) []byte { return q.asm.spare.get(n) }

// Drew counts a frame drawn, for the progress.
func (q *GOPs) Drew() { q.drawn.Add(1) }

// Raw draws the frames of v in order into buffers from fr.New and writes
// each to w, raw: what the encoders are given, without them (for tests and
// the benchmark's baselines).
func Raw(ctx context.Context, w io.Writer, v Video, fr Frames) error {
	ring := make([]*yuv.Frame, frameDepth)
	for i := range ring {
		ring[i] = fr.New()
	}
	return pump(ctx, ring, w, frameSeq(0, v.Frames), fr.Draw, nil)
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
