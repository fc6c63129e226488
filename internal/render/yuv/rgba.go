package yuv

import "image"

// RGBA converts f from limited-range BT.709 yuv420p to RGB, each chroma
// sample serving its 2×2 pixels (for a poster).
func (f *Frame) RGBA() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.W, f.H))
	cw := f.W / 2
	for y := range f.H {
		row := img.Pix[y*img.Stride:]
		for x := range f.W {
			yy := (float64(f.Y[y*f.W+x]) - 16) / 219
			cb := (float64(f.U[y/2*cw+x/2]) - 128) / 224
			cr := (float64(f.V[y/2*cw+x/2]) - 128) / 224
			// The inverse of FromRGB's BT.709 matrix.
			r := yy + 1.5748*cr
			g := yy - 0.1873*cb - 0.4681*cr
			b := yy + 1.8556*cb
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = Clamp8(255*r), Clamp8(255*g), Clamp8(255*b), 255
		}
	}
	return img
}

// DrawImage blends img, non-premultiplied RGBA (a logo), with its top left
// corner at (x, y), both even, its alpha scaled by gain (0…256), and
// records the rect in Dirty. The part outside the frame is left out; the
// image's odd last row or column too. A chroma sample takes the
// alpha-weighted mean colour of its 2×2 pixels and their mean alpha.
func (f *Frame) DrawImage(x, y int, img *image.NRGBA, gain int) {
	b := img.Bounds()
	r := Rect{X: x, Y: y, W: b.Dx() &^ 1, H: b.Dy() &^ 1}
	x0, y0 := max(r.X, 0), max(r.Y, 0)
	x1, y1 := min(r.X+r.W, f.W), min(r.Y+r.H, f.H)
	if gain <= 0 || x0 >= x1 || y0 >= y1 || x0&1 != 0 || y0&1 != 0 {
		return
	}
	r = Rect{X: x0, Y: y0, W: (x1 - x0) &^ 1, H: (y1 - y0) &^ 1}
	f.Touch(r)
	cw := f.W / 2
	for py := r.Y; py < r.Y+r.H; py += 2 {
		for px := r.X; px < r.X+r.W; px += 2 {
			var su, sv, sa int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				p := img.PixOffset(b.Min.X+px+d[0]-x, b.Min.Y+py+d[1]-y)
				a := int(img.Pix[p+3]) * gain / 255
				if a == 0 {
					continue
				}
				c := FromRGB(img.Pix[p], img.Pix[p+1], img.Pix[p+2])
				o := (py+d[1])*f.W + px + d[0]
				f.Y[o] = Blend(f.Y[o], c.Y, a)
				su, sv, sa = su+int(c.U)*a, sv+int(c.V)*a, sa+a
			}
			if sa == 0 {
				continue
			}
			o := py/2*cw + px/2
			f.U[o] = Blend(f.U[o], uint8(su/sa), sa/4)
			f.V[o] = Blend(f.V[o], uint8(sv/sa), sa/4)
		}
	}
	f.Dirty = append(f.Dirty, r)
}
