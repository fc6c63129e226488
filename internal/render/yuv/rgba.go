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
