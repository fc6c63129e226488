package scene

import (
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// PortraitSafe is the platform-safe box of a 9:16 frame at 1080×1920: the
// part that the overlays of TikTok, Instagram Reels and YouTube Shorts
// leave clear (the top band of tabs and the search button, the bottom
// third of captions, sound and account names, and the column of buttons on
// the right). x 120–888, y 288–1248; docs/DECISIONS.md gives its sources.
var PortraitSafe = yuv.Rect{X: 120, Y: 288, W: 768, H: 960}

// Frame is the geometry every theme lays its picture out in: the frame's
// size, and the box that everything carrying information (the cover, the
// title, the author, the lyrics, the progress line and times, the
// watermark) must stay inside. The background and what only moves with
// the music (bars, waves, glows) may run outside it.
type Frame struct {
	W, H int
	// Safe is that box: the whole frame, except in 9:16 with the
	// platform-safe layout (PortraitSafe, scaled to the frame's width).
	Safe yuv.Rect
}

// FrameFor returns the frame of aspect a at resolution r (see Size); with
// fullFrame, 9:16's box is the whole frame, as before the platform-safe
// layout.
func FrameFor(a mvgen.Aspect, r mvgen.Resolution, fullFrame bool) Frame {
	w, h := Size(a, r)
	f := Frame{W: w, H: h, Safe: yuv.Rect{W: w, H: h}}
	if a == mvgen.Portrait && !fullFrame {
		s := func(v int) int { return v * w / 1080 }
		f.Safe = yuv.Rect{X: s(PortraitSafe.X), Y: s(PortraitSafe.Y), W: s(PortraitSafe.W), H: s(PortraitSafe.H)}
	}
	return f
}

// Frame returns the frame s is drawn in.
func (s Spec) Frame() Frame { return FrameFor(s.Aspect, s.Resolution, s.FullFrame) }

// Inside reports whether r lies wholly inside f's safe box.
func (f Frame) Inside(r yuv.Rect) bool {
	b := f.Safe
	return r.X >= b.X && r.Y >= b.Y && r.X+r.W <= b.X+b.W && r.Y+r.H <= b.Y+b.H
}
