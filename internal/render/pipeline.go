package render

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// frameDepth is how many frame buffers an encoder's pump circulates:
	// one being drawn while the last one may still be in the pipe.
	frameDepth = 2
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

// run renders p. The audio decoder starts first and its analysis runs
// alongside everything else (see track); the static step runs, and then
// the frames are drawn and encoded (see encode) or, with sink set, written
// to sink in order and not encoded (the benchmark uses this to time the
// encoder alone).
//
// When p.Poster is set, run also writes the poster (see writePoster) while
// the frames are encoded, and returns its temporary file, which the caller
// renames into place or removes.
func (r *Renderer) run(ctx context.Context, p plan, sink io.Writer, progress func(float64)) (poster string, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	dec := r.command(ctx, "decode", decodeArgs(p))
	samples, err := dec.cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("render: %w", err)
	}
	if err := dec.start(); err != nil {
		return "", err
	}
	tr := newTrack(p.Frames, trackWindow(r.encoders(p.Frames)))
	go tr.analyse(ctx, p, dec, samples)

	// The lyrics are laid out meanwhile.
	lyr := make(chan *lyricScene, 1)
	go func() { lyr <- newLyricScene(p.Lyrics, p.Layout, p.Font, p.BoldFont, p.Frames) }()
	start := time.Now()
	sc, err := r.static(ctx, p)
	if err != nil {
		cancel()
		tr.drop()
		tr.wait(p.Frames)
		<-lyr
		return "", err
	}
	sc.lyrics = <-lyr
	r.logger().DebugContext(ctx, "static step done", "elapsed", time.Since(start))
	type written struct {
		tmp string
		err error
	}
	posterDone := make(chan written, 1)
	if p.Poster != "" && sink == nil {
		go func() {
			tmp, err := writePoster(sc.poster(), p.Poster)
			posterDone <- written{tmp, err}
		}()
	} else {
		posterDone <- written{}
	}
	draw := func(f *frame, i int) error {
		lv, err := tr.wait(i)
		if err == nil {
			sc.draw(f, i, lv)
			tr.drew(i)
		}
		return err
	}
	if sink != nil {
		ring := make([]*frame, frameDepth)
		for i := range ring {
			ring[i] = sc.base.clone()
		}
		err = pump(ctx, ring, sink, frameSeq(0, p.Frames), draw, nil)
	} else {
		err = r.encode(ctx, p, r.encoders(p.Frames), sc.base.clone, draw, progress)
		r.logger().DebugContext(ctx, "frames drawn and encoded", "frames", p.Frames, "elapsed", time.Since(start))
	}
	tr.drop()
	pw := <-posterDone
	if err == nil {
		err = pw.err
	}
	// The analysis's error explains a failure best: the source is bad.
	if _, aerr := tr.wait(p.Frames); aerr != nil {
		err = aerr
	}
	if err != nil && pw.tmp != "" {
		os.Remove(pw.tmp)
		pw.tmp = ""
	}
	return pw.tmp, err
}

// encoders returns how many encoders a render of frames frames runs: one a
// core (or Threads), and no more than it has GOPs.
func (r *Renderer) encoders(frames int) int {
	n := r.Threads
	if n == 0 {
		n = runtime.NumCPU()
	}
	return max(1, min(n, gopCount(frames)))
}

// track is the analysis of the source's audio, one levels a frame, made
// while the frames are drawn: analysing a track takes a small fraction of
// the time encoding it does, so drawing seldom waits, and the encoders
// start as soon as the static step is done.
//
// The levels are kept in a window of frames (see trackWindow), not for the
// whole track: the analysis runs at most a window ahead of the earliest
// GOP not yet drawn (see drew), so its memory does not grow with the
// track's length. The encoders take GOPs in order, so the frames being
// drawn lie close together.
type track struct {
	mu      sync.Mutex
	cond    sync.Cond
	frames  int      // the video's frames
	levels  []levels // frame i's levels are levels[i%len(levels)]
	ready   int      // frames [0, ready) have been analysed
	gopDone []bool   // the GOPs whose frames have all been drawn
	low     int      // the first frame of the first GOP not done: the analysis stays below low+len(levels)
	dropped bool     // no more frames will be drawn: the window is open
	done    bool     // the analysis has ended; err says how
	err     error    // the analysis's error, when it has failed
}

// trackWindow is how many frames of levels a track keeps for encoders
// encoders at once: two GOPs each, and at least eight GOPs (40 s; 540 KB
// for 56 bars).
func trackWindow(encoders int) int { return max(8, 2*encoders) * gopFrames }

func newTrack(frames, window int) *track {
	t := &track{frames: frames, levels: make([]levels, min(frames, window)), gopDone: make([]bool, gopCount(frames))}
	t.cond.L = &t.mu
	return t
}

// wait waits until frame i's levels are ready and returns them; they stay
// valid until drew(i) is called. It returns the analysis's error instead
// once it has failed; wait(frames) waits for the analysis to end.
func (t *track) wait(i int) (levels, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.err == nil && t.ready <= i && !t.done {
		t.cond.Wait()
	}
	switch {
	case t.err != nil:
		return levels{}, t.err
	case i < t.ready:
		return t.levels[i%len(t.levels)], nil
	}
	return levels{}, nil
}

// drew tells the track that frame i has been drawn and its levels are no
// longer needed. Once the last frame of the earliest unfinished GOP is
// drawn, the analysis may move on.
func (t *track) drew(i int) {
	if i%gopFrames != gopFrames-1 && i != t.frames-1 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gopDone[i/gopFrames] = true
	g := t.low / gopFrames
	for g < len(t.gopDone) && t.gopDone[g] {
		g++
	}
	if low := g * gopFrames; low != t.low {
		t.low = low
		t.cond.Broadcast()
	}
}

// drop tells the track that no more frames will be drawn (the render has
// ended or failed), so the analysis runs to its end without waiting.
func (t *track) drop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropped = true
	t.cond.Broadcast()
}

// publish makes frames [0, n) ready and then, when frame n is to be
// written and is a window ahead of the earliest GOP not drawn, waits until
// it is not.
func (t *track) publish(n int, write bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ready = n
	t.cond.Broadcast()
	for write && n >= t.low+len(t.levels) && !t.dropped {
		t.cond.Wait()
	}
}

// analyse reads the decoder's samples and sets the levels of each frame,
// then waits for the decoder. A decoder that fails, or decodes to much less
// audio than the source's stated length, fails the analysis with an
// *InputError. The render must call drop when it stops drawing, or
// analyse may wait forever.
func (t *track) analyse(ctx context.Context, p plan, dec *process, samples io.Reader) {
	bars := p.Layout.BarCount
	an := newAnalyser(bufio.NewReaderSize(samples, 64<<10), bars)
	flat := make([]float64, len(t.levels)*bars)
	for i := range t.levels {
		t.levels[i].Bars = flat[i*bars : (i+1)*bars : (i+1)*bars]
	}
	const batch = frameRate // frames published at once
	var readErr error
	for i := range t.frames {
		if i%batch == 0 || i%len(t.levels) == 0 {
			// Frames before i are published; levels[i%len] may be written
			// once the frame a window before i has been drawn.
			t.publish(i, true)
		}
		l, err := an.next()
		if err != nil {
			readErr = err
			break
		}
		// levels[i%len] is read only once ready passes i, which the lock
		// publishes, and written again only once drew has passed i.
		lv := &t.levels[i%len(t.levels)]
		lv.Pulse = l.Pulse
		copy(lv.Bars, l.Bars)
	}
	if readErr == nil {
		t.publish(t.frames, false)
	}
	io.Copy(io.Discard, samples)
	decErr := dec.wait()
	expected := int64(p.Duration.Seconds() * analysisRate * 4)
	var err error
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("render: %w", ctx.Err())
	case decErr != nil:
		err = &InputError{Msg: errUndecodable, Err: decErr}
	case readErr != nil:
		err = fmt.Errorf("render: reading decoded audio: %w", readErr)
	case an.bytes < expected/2:
		err = &InputError{Msg: errUndecodable,
			Err: fmt.Errorf("decoded %d bytes of samples, want about %d", an.bytes, expected)}
	}
	t.mu.Lock()
	t.done, t.err = true, err
	t.cond.Broadcast()
	t.mu.Unlock()
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

// pump draws the frames that frames yields into the buffers of ring, in
// turn, and writes each to w. A buffer is drawn into again only once the
// frame after it has been written, which is what frameWriter needs. drawn,
// when set, counts the frames drawn.
//
// Drawing and writing take turns in one goroutine: a render runs one pump
// per encoder, which keeps the cores busy, and handing frames to a second
// goroutine cost more in wake-ups than the overlap saved.
func pump(ctx context.Context, ring []*frame, w io.Writer, frames iter.Seq[int], draw func(*frame, int) error,
	drawn *atomic.Int64) error {
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
		if _, err := w.Write(f.buf); err != nil {
			return fmt.Errorf("render: writing frames: %w", err)
		}
		if drawn != nil {
			drawn.Add(1)
		}
	}
	return nil
}

// start starts the process.
func (p *process) start() error {
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("render: starting ffmpeg (%s): %w", p.name, err)
	}
	return nil
}
