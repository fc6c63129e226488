package yuv

import "math"

// Drawing happens in YUV directly: a colour is converted once, and blending
// it into the planes is integer arithmetic on the pixels it covers. Nothing
// here converts from RGB per pixel.

// CopyRect copies r from src, which has f's size, and records nothing in
// Dirty: the caller records r as dirty or clean as it needs.
func (f *Frame) CopyRect(src *Frame, r Rect) {
	f.Touch(r)
	for y := r.Y; y < r.Y+r.H; y++ {
		o := y*f.W + r.X
		copy(f.Y[o:o+r.W], src.Y[o:o+r.W])
	}
	cw := f.W / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		copy(f.U[o:o+r.W/2], src.U[o:o+r.W/2])
		copy(f.V[o:o+r.W/2], src.V[o:o+r.W/2])
	}
}

// Patch is a copy of a rect's pixels, to paste into a frame of the same
// size.
type Patch struct {
	r       Rect
	y, u, v []byte
}

// Cut returns a copy of r's pixels.
func (f *Frame) Cut(r Rect) Patch {
	p := Patch{r: r, y: make([]byte, 0, r.W*r.H), u: make([]byte, 0, r.W*r.H/4), v: make([]byte, 0, r.W*r.H/4)}
	for y := r.Y; y < r.Y+r.H; y++ {
		p.y = append(p.y, f.Y[y*f.W+r.X:y*f.W+r.X+r.W]...)
	}
	cw := f.W / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		p.u = append(p.u, f.U[o:o+r.W/2]...)
		p.v = append(p.v, f.V[o:o+r.W/2]...)
	}
	return p
}

// Paste copies p's pixels into its rect. The rect is not recorded in
// Dirty: the caller keeps track of what it pasted.
func (f *Frame) Paste(p Patch) {
	r := p.r
	f.Touch(r)
	for j := range r.H {
		copy(f.Y[(r.Y+j)*f.W+r.X:], p.y[j*r.W:(j+1)*r.W])
	}
	cw, w := f.W/2, r.W/2
	for j := range r.H / 2 {
		o := (r.Y/2+j)*cw + r.X/2
		copy(f.U[o:o+w], p.u[j*w:(j+1)*w])
		copy(f.V[o:o+w], p.v[j*w:(j+1)*w])
	}
}

// Restore copies every rect in Dirty back from the still picture still,
// and empties Dirty.
func (f *Frame) Restore(still *Frame) {
	for _, r := range f.Dirty {
		f.CopyRect(still, r)
	}
	f.Dirty = f.Dirty[:0]
}

// FillRect blends c into r with alpha a (0…256).
func (f *Frame) FillRect(r Rect, c Color, a int) {
	if a <= 0 || r.Empty() {
		return
	}
	f.Touch(r)
	for y := r.Y; y < r.Y+r.H; y++ {
		row := f.Y[y*f.W+r.X : y*f.W+r.X+r.W]
		for i := range row {
			row[i] = Blend(row[i], c.Y, a)
		}
	}
	cw := f.W / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		us, vs := f.U[o:o+r.W/2], f.V[o:o+r.W/2]
		for i := range us {
			us[i] = Blend(us[i], c.U, a)
			vs[i] = Blend(vs[i], c.V, a)
		}
	}
	f.Dirty = append(f.Dirty, r)
}

// Paint is one row of a column fill: a colour and its alpha (0…256).
type Paint struct {
	C Color
	A int
}

// FillColumn blends rows[i] into row y0+i of the columns x0 to x0+w (x0,
// y0 and w even, len(rows) even). A chroma row takes the mean alpha of its
// two luma rows and the colour of the first.
func (f *Frame) FillColumn(x0, y0, w int, rows []Paint) {
	f.Touch(Rect{x0, y0, w, len(rows)})
	for i, p := range rows {
		row := f.Y[(y0+i)*f.W+x0 : (y0+i)*f.W+x0+w]
		switch {
		case p.A >= 256:
			for j := range row {
				row[j] = p.C.Y
			}
		case p.A > 0:
			for j := range row {
				row[j] = Blend(row[j], p.C.Y, p.A)
			}
		}
	}
	cw := f.W / 2
	for i := 0; i+1 < len(rows); i += 2 {
		a := (rows[i].A + rows[i+1].A) / 2
		if a <= 0 {
			continue
		}
		c := rows[i].C
		if rows[i].A == 0 {
			c = rows[i+1].C
		}
		o := (y0+i)/2*cw + x0/2
		us, vs := f.U[o:o+w/2], f.V[o:o+w/2]
		if a >= 256 {
			for j := range us {
				us[j], vs[j] = c.U, c.V
			}
			continue
		}
		for j := range us {
			us[j] = Blend(us[j], c.U, a)
			vs[j] = Blend(vs[j], c.V, a)
		}
	}
}

// Sprite is an alpha mask for BlendSprite: W×H luma alphas and
// (W/2)×(H/2) chroma alphas, each 0…256. W and H are even.
type Sprite struct {
	W, H  int
	a, ac []uint16
}

// NewSprite builds a sprite from a w×h mask of 8-bit coverage (w and h
// even).
func NewSprite(w, h int, mask []uint8) *Sprite {
	s := &Sprite{W: w, H: h, a: make([]uint16, w*h), ac: make([]uint16, w*h/4)}
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

// BlendSprite blends c through s placed at (x, y), both even, scaling the
// mask by gain (0…256). The sprite must lie inside the frame.
func (f *Frame) BlendSprite(x, y int, s *Sprite, c Color, gain int) {
	if gain <= 0 {
		return
	}
	f.Touch(Rect{x, y, s.W, s.H})
	for j := 0; j < s.H; j++ {
		row := f.Y[(y+j)*f.W+x : (y+j)*f.W+x+s.W]
		as := s.a[j*s.W : (j+1)*s.W]
		for i, a := range as {
			if a != 0 {
				row[i] = Blend(row[i], c.Y, int(a)*gain>>8)
			}
		}
	}
	cw, sw := f.W/2, s.W/2
	for j := 0; j < s.H/2; j++ {
		o := (y/2+j)*cw + x/2
		us, vs := f.U[o:o+sw], f.V[o:o+sw]
		as := s.ac[j*sw : (j+1)*sw]
		for i, a := range as {
			if a != 0 {
				a := int(a) * gain >> 8
				us[i] = Blend(us[i], c.U, a)
				vs[i] = Blend(vs[i], c.V, a)
			}
		}
	}
	f.Dirty = append(f.Dirty, Rect{x, y, s.W, s.H})
}

// MixRect sets r of f to a mix of a and b: b's weight is t/256.
func (f *Frame) MixRect(a, b *Frame, r Rect, t int) {
	f.Touch(r)
	mix := func(dst, pa, pb []byte) {
		for i := range dst {
			dst[i] = Blend(pa[i], pb[i], t)
		}
	}
	for y := r.Y; y < r.Y+r.H; y++ {
		o := y*f.W + r.X
		mix(f.Y[o:o+r.W], a.Y[o:o+r.W], b.Y[o:o+r.W])
	}
	cw := f.W / 2
	for y := r.Y / 2; y < (r.Y+r.H)/2; y++ {
		o := y*cw + r.X/2
		mix(f.U[o:o+r.W/2], a.U[o:o+r.W/2], b.U[o:o+r.W/2])
		mix(f.V[o:o+r.W/2], a.V[o:o+r.W/2], b.V[o:o+r.W/2])
	}
	f.Dirty = append(f.Dirty, r)
}

// Mask is a coverage mask for BlendMask, such as a line of text: W×H luma
// alphas and (W/2)×(H/2) chroma alphas, 0…255; W and H are even.
type Mask struct {
	W, H  int
	A, AC []uint8
}

// BlendMask blends c through the part sub of mask m placed at (x, y), all
// even, scaling its coverage by gain (0…256), and records the rect in
// Dirty. A part that would leave the frame is not drawn.
func (f *Frame) BlendMask(x, y int, m *Mask, sub Rect, c Color, gain int) {
	if gain <= 0 || sub.Empty() || x+sub.X < 0 || y+sub.Y < 0 || x+sub.X+sub.W > f.W || y+sub.Y+sub.H > f.H {
		return
	}
	f.Touch(Rect{x + sub.X, y + sub.Y, sub.W, sub.H})
	g := gain * 257 // coverage 0…255 times g, >>16, is 0…gain
	for j := sub.Y; j < sub.Y+sub.H; j++ {
		row := f.Y[(y+j)*f.W+x+sub.X : (y+j)*f.W+x+sub.X+sub.W]
		as := m.A[j*m.W+sub.X : j*m.W+sub.X+sub.W]
		for i, a := range as {
			if a != 0 {
				row[i] = Blend(row[i], c.Y, int(a)*g>>16)
			}
		}
	}
	cw, mw := f.W/2, m.W/2
	for j := sub.Y / 2; j < (sub.Y+sub.H)/2; j++ {
		o := (y/2+j)*cw + (x+sub.X)/2
		us, vs := f.U[o:o+sub.W/2], f.V[o:o+sub.W/2]
		as := m.AC[j*mw+sub.X/2 : j*mw+(sub.X+sub.W)/2]
		for i, a := range as {
			if a != 0 {
				a := int(a) * g >> 16
				us[i] = Blend(us[i], c.U, a)
				vs[i] = Blend(vs[i], c.V, a)
			}
		}
	}
	f.Dirty = append(f.Dirty, Rect{x + sub.X, y + sub.Y, sub.W, sub.H})
}

// Disc returns a sprite of a disc d pixels across (d even), its edge
// antialiased.
func Disc(d int) *Sprite {
	mask := make([]uint8, d*d)
	c := float64(d) / 2
	for y := range d {
		for x := range d {
			dist := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c)
			mask[y*d+x] = Clamp8(255 * math.Max(0, math.Min(1, c-dist+0.5)))
		}
	}
	return NewSprite(d, d, mask)
}
