package analysis

import (
	"bufio"
	"io"
	"sync"
)

// Track is the analysis of a source's audio, one Levels a frame, made while
// the frames are drawn: analysing a track takes a small fraction of the
// time encoding it does, so drawing seldom waits, and the encoders start as
// soon as the still picture is ready.
//
// The levels are kept in a window of frames, not for the whole track: the
// analysis runs at most a window ahead of the earliest GOP not yet drawn
// (see Drew), so its memory does not grow with the track's length. The
// encoders take GOPs in order, so the frames being drawn lie close
// together.
type Track struct {
	mu      sync.Mutex
	cond    sync.Cond
	frames  int      // the video's frames
	gop     int      // frames a GOP
	bands   int      // bands a frame's levels have
	fps     int      // the video's frame rate
	levels  []Levels // frame i's levels are levels[i%len(levels)]
	ready   int      // frames [0, ready) have been analysed
	gopDone []bool   // the GOPs whose frames have all been drawn
	low     int      // the first frame of the first GOP not done: the analysis stays below low+len(levels)
	dropped bool     // no more frames will be drawn: the window is open
	done    bool     // the analysis has ended; err says how
	err     error    // the analysis's error, when it has failed
}

// Window is how many frames of levels a track keeps for encoders encoders
// drawing GOPs of gop frames at once: two GOPs each, and at least eight
// GOPs (40 s at 30 fps; 540 KB for 56 bands).
func Window(encoders, gop int) int { return max(8, 2*encoders) * gop }

// NewTrack returns the track of a video of frames frames at fps frames a
// second, drawn in GOPs of gop frames, whose levels have bands bands; it
// keeps window frames of levels (see Window). Analyse fills it in.
func NewTrack(frames, fps, gop, bands, window int) *Track {
	t := &Track{frames: frames, gop: gop, bands: bands, fps: fps, levels: make([]Levels, min(frames, window)),
		gopDone: make([]bool, (frames+gop-1)/gop)}
	t.cond.L = &t.mu
	return t
}

// Wait waits until frame i's levels are ready and returns them; they stay
// valid until Drew(i) is called. It returns the analysis's error instead
// once it has failed; Wait(frames) waits for the analysis to end.
func (t *Track) Wait(i int) (Levels, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.err == nil && t.ready <= i && !t.done {
		t.cond.Wait()
	}
	switch {
	case t.err != nil:
		return Levels{}, t.err
	case i < t.ready:
		return t.levels[i%len(t.levels)], nil
	}
	return Levels{}, nil
}

// Drew tells the track that frame i has been drawn and its levels are no
// longer needed. Once the last frame of the earliest unfinished GOP is
// drawn, the analysis may move on.
func (t *Track) Drew(i int) {
	if i%t.gop != t.gop-1 && i != t.frames-1 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gopDone[i/t.gop] = true
	g := t.low / t.gop
	for g < len(t.gopDone) && t.gopDone[g] {
		g++
	}
	if low := g * t.gop; low != t.low {
		t.low = low
		t.cond.Broadcast()
	}
}

// Drop tells the track that no more frames will be drawn (the render has
// ended or failed), so the analysis runs to its end without waiting.
func (t *Track) Drop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropped = true
	t.cond.Broadcast()
}

// publish makes frames [0, n) ready and then, when frame n is to be
// written and is a window ahead of the earliest GOP not drawn, waits until
// it is not.
func (t *Track) publish(n int, write bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ready = n
	t.cond.Broadcast()
	for write && n >= t.low+len(t.levels) && !t.dropped {
		t.cond.Wait()
	}
}

// Analyse reads the samples (see Analyser) and sets the levels of each
// frame, a window ahead of the frames drawn at most; it returns samples'
// error, if reading them failed. The render must call Drop when it stops
// drawing, or Analyse may wait forever, and then End.
func (t *Track) Analyse(samples io.Reader) error { return t.AnalyseAfter(samples, 0) }

// AnalyseAfter is Analyse for samples that start lead frames before the
// video's first frame (a clip's, whose analysis starts a few seconds
// early): those frames set the analysis's running levels, as they do when
// the whole song is analysed, and are not kept.
func (t *Track) AnalyseAfter(samples io.Reader, lead int) error {
	an := NewAnalyser(bufio.NewReaderSize(samples, 64<<10), t.bands, t.fps)
	for range lead {
		if _, err := an.Next(); err != nil {
			return err
		}
	}
	flat := make([]float64, len(t.levels)*t.bands)
	for i := range t.levels {
		t.levels[i].Bands = flat[i*t.bands : (i+1)*t.bands : (i+1)*t.bands]
	}
	batch := t.fps // frames published at once
	for i := range t.frames {
		if i%batch == 0 || i%len(t.levels) == 0 {
			// Frames before i are published; levels[i%len] may be written
			// once the frame a window before i has been drawn.
			t.publish(i, true)
		}
		l, err := an.Next()
		if err != nil {
			return err
		}
		// levels[i%len] is read only once ready passes i, which the lock
		// publishes, and written again only once Drew has passed i.
		lv := &t.levels[i%len(t.levels)]
		lv.Pulse = l.Pulse
		copy(lv.Bands, l.Bands)
	}
	t.publish(t.frames, false)
	return nil
}

// End ends the analysis: Wait returns err, when it is not nil, for every
// frame, and otherwise stops waiting for frames that will not come.
func (t *Track) End(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done, t.err = true, err
	t.cond.Broadcast()
}
