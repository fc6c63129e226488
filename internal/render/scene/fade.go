package scene

import (
	"context"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// Fade returns th with its picture fading in from black over the first
// fade frames of a video of frames frames and out to black over the last
// fade (a clip's ends). A fading frame is th's frame dimmed towards black
// as a whole, so every macroblock of it is marked as written; th draws
// each frame into a buffer that holds an undimmed picture (see Draw).
func Fade(th Theme, frames, fade int) Theme {
	if fade <= 0 {
		return th
	}
	return &fader{Theme: th, frames: frames, fade: min(fade, frames/2)}
}

// fader is the Theme Fade returns.
type fader struct {
	Theme
	frames, fade int
	still        *yuv.Frame
}

// fadeState is what a buffer drawn by a fader holds: the theme's own
// state, and whether the picture in it was dimmed.
type fadeState struct {
	inner  any
	dimmed bool
}

// Still draws th's still picture, which fader keeps.
func (f *fader) Still(ctx context.Context) (*yuv.Frame, error) {
	still, err := f.Theme.Still(ctx)
	f.still = still
	return still, err
}

// gain returns frame i's brightness out of 256: 256 outside the fades,
// rising from near black at the first frame and falling to near black at
// the last.
func (f *fader) gain(i int) int {
	n := f.fade + 1
	switch {
	case i < f.fade:
		return (i + 1) * 256 / n
	case i >= f.frames-f.fade:
		return (f.frames - i) * 256 / n
	}
	return 256
}

// Draw draws frame i with th into buf and dims it on the fading frames.
// A buffer that holds a dimmed picture is first reset to the still
// picture, with th's state forgotten, so that th draws the whole frame
// afresh instead of updating a picture it does not know was dimmed.
func (f *fader) Draw(buf *yuv.Frame, i int, lv analysis.Levels) {
	st, _ := buf.State.(*fadeState)
	if st == nil {
		st = &fadeState{}
	}
	whole := yuv.Rect{W: buf.W, H: buf.H}
	if st.dimmed {
		copy(buf.Pix, f.still.Pix)
		buf.Dirty = buf.Dirty[:0]
		buf.Touch(whole)
		st.inner, st.dimmed = nil, false
	}
	buf.State = st.inner
	f.Theme.Draw(buf, i, lv)
	st.inner = buf.State
	buf.State = st
	if g := f.gain(i); g < 256 {
		Dim(buf, g)
		buf.Touch(whole)
		st.dimmed = true
	}
}

// Dim moves every pixel of f towards black by gain/256 (0 is black, 256
// leaves it): limited-range luma towards 16, chroma towards 128. It does
// not mark what it writes.
func Dim(f *yuv.Frame, gain int) {
	for i, v := range f.Y {
		f.Y[i] = uint8(16 + (int(v)-16)*gain>>8)
	}
	for _, p := range [][]byte{f.U, f.V} {
		for i, v := range p {
			p[i] = uint8(128 + (int(v)-128)*gain>>8)
		}
	}
}
