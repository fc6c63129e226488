package yuv

import (
	"fmt"
	"math"
)

// Frame is one picture in yuv420p, the layout ffmpeg's rawvideo demuxer and
// x264 take: a W×H luma plane followed by the (W/2)×(H/2) U and V planes, in
// one buffer so that a frame goes to an encoder in one write. Pixels are
// limited range (Y 16–235) BT.709, which the encoder is told. W and H are
// even.
//
// A frame made by Clone marks every 16×16 macroblock written to it (see
// Touch and Marked): the drawing operations below mark what they write,
// and code that writes the planes itself must call Touch.
type Frame struct {
	W, H int
	// Pix is the picture: the luma plane, then the U and V planes.
	Pix []byte
	// Y, U and V are the planes, slices of Pix.
	Y, U, V []byte
	// Dirty lists the rects blended into (by FillRect, BlendSprite,
	// MixRect and BlendMask) since the frame was last restored from a
	// still picture (see Restore). CopyRect, Paste and FillColumn do not
	// record what they write.
	Dirty []Rect
	// State is what the code drawing into the frame keeps with it: a
	// theme's record of what the frame shows, so that it can draw the next
	// frame over it where it changes only. The frame does not look at it.
	State any
	// marks has one byte a 16×16 macroblock (the last row and column may
	// stick out of the picture), set for every macroblock written since
	// the frame was cloned; nil when the frame was not cloned (its pixels
	// came from elsewhere). Two clones of one frame can differ only where
	// either is marked, which spares the in-process encoder comparing the
	// rest.
	marks []byte
}

// New returns a black W×H frame (all planes 0) that marks nothing.
func New(w, h int) *Frame {
	f := &Frame{W: w, H: h, Pix: make([]byte, w*h*3/2)}
	f.Y = f.Pix[:w*h]
	f.U = f.Pix[w*h : w*h*5/4]
	f.V = f.Pix[w*h*5/4:]
	return f
}

// FromPix returns a frame holding a copy of pix, a raw w×h yuv420p
// picture (such as ffmpeg writes).
func FromPix(pix []byte, w, h int) (*Frame, error) {
	if len(pix) != w*h*3/2 {
		return nil, fmt.Errorf("raw picture is %d bytes, want %d for %dx%d", len(pix), w*h*3/2, w, h)
	}
	f := New(w, h)
	copy(f.Pix, pix)
	return f, nil
}

// Clone returns a copy of f's pixels which marks the macroblocks written to
// it from now on (see Marked). It copies neither Dirty nor State.
func (f *Frame) Clone() *Frame {
	c := New(f.W, f.H)
	copy(c.Pix, f.Pix)
	c.marks = make([]byte, mbCount(f.W)*mbCount(f.H))
	return c
}

// mbCount is how many macroblocks cover n pixels.
func mbCount(n int) int { return (n + 15) / 16 }

// Touch marks the macroblocks r overlaps as written. Every drawing
// operation of this package calls it; code that writes the planes itself
// must too, or an encoder that skips unmarked macroblocks keeps their old
// pixels.
func (f *Frame) Touch(r Rect) {
	if f.marks == nil || r.Empty() {
		return
	}
	mbw := mbCount(f.W)
	for my := r.Y / 16; my <= (r.Y+r.H-1)/16; my++ {
		row := f.marks[my*mbw:]
		for mx := r.X / 16; mx <= (r.X+r.W-1)/16; mx++ {
			row[mx] = 1
		}
	}
}

// Marks returns the marks of the macroblocks written since f was cloned,
// one byte a 16×16 macroblock, row by row (the last row and column may
// stick out of the picture), non-zero where written; nil when f was not
// cloned, and so marks nothing. The slice is f's own.
func (f *Frame) Marks() []byte { return f.marks }

// Marked reports whether the macroblock in column mx and row my has been
// written since f was cloned; true for a frame that marks nothing.
func (f *Frame) Marked(mx, my int) bool {
	return f.marks == nil || f.marks[my*mbCount(f.W)+mx] != 0
}

// Rect is a rectangle of the frame in luma pixels. Every rect drawn into
// has even coordinates and sizes, so it covers whole chroma samples.
type Rect struct{ X, Y, W, H int }

// Empty reports whether r covers no pixel.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// Color is a colour in limited-range BT.709.
type Color struct{ Y, U, V uint8 }

// Colours that need no conversion.
var (
	White = Color{235, 128, 128}
	Black = Color{16, 128, 128}
)

// FromRGB converts 8-bit sRGB-coded R'G'B' to limited-range BT.709 Y'CbCr,
// as ffmpeg's scale filter does with out_color_matrix=bt709.
func FromRGB(r, g, b uint8) Color {
	const kr, kb = 0.2126, 0.0722
	rf, gf, bf := float64(r)/255, float64(g)/255, float64(b)/255
	y := kr*rf + (1-kr-kb)*gf + kb*bf
	u := (bf - y) / (2 * (1 - kb))
	v := (rf - y) / (2 * (1 - kr))
	return Color{Clamp8(16 + 219*y), Clamp8(128 + 224*u), Clamp8(128 + 224*v)}
}

// Clamp8 rounds f to the nearest of 0…255.
func Clamp8(f float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(f))))
}

// Blend moves d towards c by a/256 (a in 0…256).
func Blend(d, c uint8, a int) uint8 {
	return uint8(int(d) + (int(c)-int(d))*a>>8)
}
