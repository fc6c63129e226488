package render

import (
	"fmt"
	"math"
)

// frame is one picture in yuv420p, the layout ffmpeg's rawvideo demuxer and
// x264 take: a w×h luma plane followed by the (w/2)×(h/2) U and V planes, in
// one buffer so that a frame goes to ffmpeg in one write. Pixels are limited
// range (Y 16–235) BT.709, which the encoder is told.
//
// Drawing happens in YUV directly: a colour is converted once, and blending
// it into the planes is integer arithmetic on the pixels it covers. Nothing
// on the per-frame path converts from RGB.
type frame struct {
	w, h    int
	buf     []byte
	y, u, v []byte
	// dirty lists the rects drawn since the frame was last restored from
	// the static picture.
	dirty []rect
	// bars and glow say what the frame holds of the bars and of the pulse's
	// glow, which are not restored but updated where they changed.
	bars []barState
	glow int
	// lyrics is what the frame shows of the lyrics (the zero value:
	// nothing), and lyricRects where they were drawn: the lyrics are
	// drawn again only when they change (see lyricScene.draw).
	lyrics     lyricState
	lyricRects []rect
	// rows is scratch for drawing one bar.
	rows []paint
	// touched marks, one byte a 16×16 macroblock (the last row and column
	// may stick out of the picture), every macroblock written since the
	// frame was cloned; nil when the frame was not cloned (its pixels came
	// from elsewhere). Two clones of one frame can differ only where
	// either is marked, which spares the in-process encoder comparing the
	// rest (see encodeGOPsInProcess).
	touched []byte
}

// barState is what a frame holds of one bar, in rows of the bars' band:
// still picture above start, the anti-aliased top from start to even, the
// bar from even to the band's foot, and refl rows of reflection under it.
type barState struct{ start, even, refl int }

func newFrame(w, h int) *frame {
	f := &frame{w: w, h: h, buf: make([]byte, w*h*3/2)}
	f.y = f.buf[:w*h]
	f.u = f.buf[w*h : w*h*5/4]
	f.v = f.buf[w*h*5/4:]
	return f
}

// frameFrom wraps a raw yuv420p picture read from ffmpeg.
func frameFrom(data []byte, w, h int) (*frame, error) {
	if len(data) != w*h*3/2 {
		return nil, fmt.Errorf("raw picture is %d bytes, want %d for %dx%d", len(data), w*h*3/2, w, h)
	}
	f := newFrame(w, h)
	copy(f.buf, data)
	return f, nil
}

// clone returns a copy of f, which marks the macroblocks written to it
// from now on (see frame.touched).
func (f *frame) clone() *frame {
	c := newFrame(f.w, f.h)
	copy(c.buf, f.buf)
	c.touched = make([]byte, mbCount(f.w)*mbCount(f.h))
	return c
}

// mbCount is how many macroblocks cover n pixels.
func mbCount(n int) int { return (n + 15) / 16 }

// touch marks the macroblocks r overlaps as written (see frame.touched).
func (f *frame) touch(r rect) {
	if f.touched == nil || r.empty() {
		return
	}
	mbw := mbCount(f.w)
	for my := r.Y / 16; my <= (r.Y+r.H-1)/16; my++ {
		row := f.touched[my*mbw:]
		for mx := r.X / 16; mx <= (r.X+r.W-1)/16; mx++ {
			row[mx] = 1
		}
	}
}

// yuv is a colour in limited-range BT.709.
type yuv struct{ Y, U, V uint8 }

// rgbToYUV converts 8-bit sRGB-coded R'G'B' to limited-range BT.709 Y'CbCr,
// as ffmpeg's scale filter does with out_color_matrix=bt709.
func rgbToYUV(r, g, b uint8) yuv {
	const kr, kb = 0.2126, 0.0722
	rf, gf, bf := float64(r)/255, float64(g)/255, float64(b)/255
	y := kr*rf + (1-kr-kb)*gf + kb*bf
	u := (bf - y) / (2 * (1 - kb))
	v := (rf - y) / (2 * (1 - kr))
	return yuv{clamp8(16 + 219*y), clamp8(128 + 224*u), clamp8(128 + 224*v)}
}

func clamp8(f float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(f))))
}

// blend moves d towards c by a/256 (a in 0…256).
func blend(d, c uint8, a int) uint8 {
	return uint8(int(d) + (int(c)-int(d))*a>>8)
}

// copyRect copies r from src, which has f's size, and forgets nothing: the
// caller records r as dirty or clean as it needs.
func (f *frame) copyRect(src *frame, r rect) {
	f.touch(r)
	for y := r.Y; y < r.Y+r.H; y++ {
		o := y*f.w + r.X
		copy(f.y[o:o+r.W], src.y[o:o+r.W])
	}
	cw := f.w / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		copy(f.u[o:o+r.W/2], src.u[o:o+r.W/2])
		copy(f.v[o:o+r.W/2], src.v[o:o+r.W/2])
	}
}

// cut returns a copy of r's pixels.
func (f *frame) cut(r rect) patch {
	p := patch{r: r, y: make([]byte, 0, r.W*r.H), u: make([]byte, 0, r.W*r.H/4), v: make([]byte, 0, r.W*r.H/4)}
	for y := r.Y; y < r.Y+r.H; y++ {
		p.y = append(p.y, f.y[y*f.w+r.X:y*f.w+r.X+r.W]...)
	}
	cw := f.w / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		p.u = append(p.u, f.u[o:o+r.W/2]...)
		p.v = append(p.v, f.v[o:o+r.W/2]...)
	}
	return p
}

// paste copies p's pixels into its rect. The rect is not recorded as
// dirty: the caller keeps track of what it pasted.
func (f *frame) paste(p patch) {
	r := p.r
	f.touch(r)
	for j := range r.H {
		copy(f.y[(r.Y+j)*f.w+r.X:], p.y[j*r.W:(j+1)*r.W])
	}
	cw, w := f.w/2, r.W/2
	for j := range r.H / 2 {
		o := (r.Y/2+j)*cw + r.X/2
		copy(f.u[o:o+w], p.u[j*w:(j+1)*w])
		copy(f.v[o:o+w], p.v[j*w:(j+1)*w])
	}
}

// restore copies every dirty rect back from the static picture.
func (f *frame) restore(static *frame) {
	for _, r := range f.dirty {
		f.copyRect(static, r)
	}
	f.dirty = f.dirty[:0]
}

// fillRect blends c into r with alpha a (0…256).
func (f *frame) fillRect(r rect, c yuv, a int) {
	if a <= 0 || r.empty() {
		return
	}
	f.touch(r)
	for y := r.Y; y < r.Y+r.H; y++ {
		row := f.y[y*f.w+r.X : y*f.w+r.X+r.W]
		for i := range row {
			row[i] = blend(row[i], c.Y, a)
		}
	}
	cw := f.w / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		us, vs := f.u[o:o+r.W/2], f.v[o:o+r.W/2]
		for i := range us {
			us[i] = blend(us[i], c.U, a)
			vs[i] = blend(vs[i], c.V, a)
		}
	}
	f.dirty = append(f.dirty, r)
}

// paint is one row of a column fill: a colour and its alpha (0…256).
type paint struct {
	c yuv
	a int
}

// fillColumn blends rows[i] into row y0+i of the columns x0 to x0+w (x0,
// y0 and w even, len(rows) even). A chroma row takes the mean alpha of its
// two luma rows and the colour of the first.
func (f *frame) fillColumn(x0, y0, w int, rows []paint) {
	f.touch(rect{x0, y0, w, len(rows)})
	for i, p := range rows {
		row := f.y[(y0+i)*f.w+x0 : (y0+i)*f.w+x0+w]
		switch {
		case p.a >= 256:
			for j := range row {
				row[j] = p.c.Y
			}
		case p.a > 0:
			for j := range row {
				row[j] = blend(row[j], p.c.Y, p.a)
			}
		}
	}
	cw := f.w / 2
	for i := 0; i+1 < len(rows); i += 2 {
		a := (rows[i].a + rows[i+1].a) / 2
		if a <= 0 {
			continue
		}
		c := rows[i].c
		if rows[i].a == 0 {
			c = rows[i+1].c
		}
		o := (y0+i)/2*cw + x0/2
		us, vs := f.u[o:o+w/2], f.v[o:o+w/2]
		if a >= 256 {
			for j := range us {
				us[j], vs[j] = c.U, c.V
			}
			continue
		}
		for j := range us {
			us[j] = blend(us[j], c.U, a)
			vs[j] = blend(vs[j], c.V, a)
		}
	}
}

// sprite is an alpha mask: w×h luma alphas and (w/2)×(h/2) chroma alphas,
// each 0…256. w and h are even.
type sprite struct {
	w, h  int
	a, ac []uint16
}

// newSprite builds a sprite from a w×h mask of 8-bit coverage.
func newSprite(w, h int, mask []uint8) *sprite {
	s := &sprite{w: w, h: h, a: make([]uint16, w*h), ac: make([]uint16, w*h/4)}
	for i, m := range mask[:w*h] {
		s.a[i] = uint16(int(m) * 256 / 255)
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			i := 2*y*w + 2*x
			sum := int(s.a[i]) + int(s.a[i+1]) + int(s.a[i+w]) + int(s.a[i+w+1])
			s.ac[y*w/2+x] = uint16(sum / 4)
		}
	}
	return s
}

// blendSprite blends c through s placed at (x, y), both even, scaling the
// mask by gain (0…256). The sprite must lie inside the frame.
func (f *frame) blendSprite(x, y int, s *sprite, c yuv, gain int) {
	if gain <= 0 {
		return
	}
	f.touch(rect{x, y, s.w, s.h})
	for j := 0; j < s.h; j++ {
		row := f.y[(y+j)*f.w+x : (y+j)*f.w+x+s.w]
		as := s.a[j*s.w : (j+1)*s.w]
		for i, a := range as {
			if a != 0 {
				row[i] = blend(row[i], c.Y, int(a)*gain>>8)
			}
		}
	}
	cw, sw := f.w/2, s.w/2
	for j := 0; j < s.h/2; j++ {
		o := (y/2+j)*cw + x/2
		us, vs := f.u[o:o+sw], f.v[o:o+sw]
		as := s.ac[j*sw : (j+1)*sw]
		for i, a := range as {
			if a != 0 {
				a := int(a) * gain >> 8
				us[i] = blend(us[i], c.U, a)
				vs[i] = blend(vs[i], c.V, a)
			}
		}
	}
	f.dirty = append(f.dirty, rect{x, y, s.w, s.h})
}

// mixRect sets r of f to a mix of a and b: b's weight is t/256.
func (f *frame) mixRect(a, b *frame, r rect, t int) {
	f.touch(r)
	mix := func(dst, pa, pb []byte) {
		for i := range dst {
			dst[i] = blend(pa[i], pb[i], t)
		}
	}
	for y := r.Y; y < r.Y+r.H; y++ {
		o := y*f.w + r.X
		mix(f.y[o:o+r.W], a.y[o:o+r.W], b.y[o:o+r.W])
	}
	cw := f.w / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		mix(f.u[o:o+r.W/2], a.u[o:o+r.W/2], b.u[o:o+r.W/2])
		mix(f.v[o:o+r.W/2], a.v[o:o+r.W/2], b.v[o:o+r.W/2])
	}
	f.dirty = append(f.dirty, r)
}
