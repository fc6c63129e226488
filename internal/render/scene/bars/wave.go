package bars

import (
	"math"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// The wave look: the bars look's layouts, with a ribbon across the whole
// width of the frame where the bars and their reflection were, mirrored
// about a faint centre line. Its half-height at each column follows the
// spectrum (low bands on the left), interpolated smoothly between the
// bands (Catmull-Rom) and tapering to the centre line at both edges; it
// is filled with the accent colour, lighter towards the centre line, and
// antialiased at its edges.
//
// A column is 2 pixels wide, and its colour depends on the distance from
// the centre line only, so a frame rewrites, in each column, only the
// pairs of rows (whole chroma samples) between the ribbon's old edge and
// its new one, from the still picture and blended again, as the bars do.
// What a frame holds of each column is kept in its State. A column's
// half-height is a whole number of rows, its edge a row at half alpha: a
// column that moves by less than half a row is left alone (antialiasing
// by the fraction made the encoder write 26 % more: 12.2 MB against
// 9.6 MB for 30 s at 720p).

const (
	waveColumn = 2    // pixels a column of the ribbon is wide
	waveGroup  = 8    // columns marked as one rect (16 pixels: one macroblock wide)
	waveFloor  = 0.05 // the ribbon's half-height in silence, as a fraction of the most
	waveTaper  = 0.08 // the fraction of the width at each edge over which it tapers
	waveLight  = 190  // how far towards white the centre line is, out of 256
	centreLine = 40   // the alpha of the centre line drawn into the still picture
)

// waveLayout turns a bars layout into the wave's: the ribbon's band is
// the bars' band with their reflection, across the whole width.
func waveLayout(l layout) layout {
	l.Music = musicWave
	l.Bars = yuv.Rect{X: 0, Y: l.Bars.Y, W: l.W, H: (l.Bars.H + l.Reflect) &^ 1}
	l.Reflect = 0
	return l
}

// waveGeometry returns the ribbon's centre line (an even row: the first
// row under it) and its largest half-height, even.
func (l layout) waveGeometry() (cy, amp int) {
	cy = (l.Bars.Y + l.Bars.H/2) &^ 1
	return cy, min(cy-l.Bars.Y, l.Bars.Y+l.Bars.H-cy) &^ 1
}

// wavePaint is what the ribbon is drawn with, computed once.
type wavePaint struct {
	shades []yuv.Color // by distance from the centre line, in rows
	taper  []float64   // each column's share of the height, 0 at the frame's edges
}

func newWavePaint(l layout, accent yuv.Color) wavePaint {
	_, amp := l.waveGeometry()
	p := wavePaint{shades: make([]yuv.Color, amp)}
	for d := range p.shades {
		w := int(waveLight * math.Pow(1-float64(d)/float64(amp), 1.3))
		p.shades[d] = yuv.Color{Y: yuv.Blend(accent.Y, yuv.White.Y, w), U: yuv.Blend(accent.U, yuv.White.U, w),
			V: yuv.Blend(accent.V, yuv.White.V, w)}
	}
	n := l.Bars.W / waveColumn
	p.taper = make([]float64, n)
	edge := waveTaper * float64(n)
	for c := range n {
		d := min(float64(c)+0.5, float64(n-c)-0.5) / edge
		if d >= 1 {
			p.taper[c] = 1
			continue
		}
		p.taper[c] = d * d * (3 - 2*d) // smoothstep
	}
	return p
}

// drawCentre draws the faint centre line into the still pictures.
func (p wavePaint) drawCentre(l layout, frames ...*yuv.Frame) {
	cy, _ := l.waveGeometry()
	for _, f := range frames {
		if f != nil {
			f.FillRect(yuv.Rect{X: l.Bars.X, Y: cy - 2, W: l.Bars.W, H: 4}, yuv.White, centreLine)
			f.Dirty = f.Dirty[:0]
		}
	}
}

// drawWave draws the ribbon for the levels lv, column by column, where it
// changed since the frame f holds.
func (t *Theme) drawWave(f *yuv.Frame, st *shown, lv analysis.Levels) {
	l := t.l
	cy, amp := l.waveGeometry()
	n := len(t.wave.taper)
	if len(st.wave) != n {
		st.wave = make([]float32, n) // a copy of the still picture holds no ribbon
	}
	for c0 := 0; c0 < n; c0 += waveGroup {
		lo, hi := amp, 0 // the pairs of rows rewritten in this group, from the centre line out
		for c := c0; c < min(n, c0+waveGroup); c++ {
			pos := (float64(c) + 0.5) / float64(n) * float64(len(lv.Bands))
			h := float32(math.Round(float64(amp) * (waveFloor + (1-waveFloor)*catmullRom(lv.Bands, pos-0.5)) *
				t.wave.taper[c]))
			was := st.wave[c]
			if h == was {
				continue
			}
			// Pairs below k0 are whole in both, from k1 on empty in both.
			k0, k1 := int(min(h, was))/2, min(amp/2, (int(max(h, was))+1)/2+1)
			t.waveRows(f, l.Bars.X+c*waveColumn, cy, k0, k1, h)
			lo, hi = min(lo, 2*k0), max(hi, 2*k1)
			st.wave[c] = h
		}
		if lo < hi {
			x, w := l.Bars.X+c0*waveColumn, min(waveGroup, n-c0)*waveColumn
			f.Touch(yuv.Rect{X: x, Y: cy - hi, W: w, H: hi - lo})
			f.Touch(yuv.Rect{X: x, Y: cy + lo, W: w, H: hi - lo})
		}
	}
}

// waveRows writes the pairs of rows k0 to k1 (from the centre line out)
// of the column at x, above and below the centre line cy, for the
// half-height h (whole rows): the still picture blended with each row's
// shade, the row at the edge at half alpha. It does not mark them.
func (t *Theme) waveRows(f *yuv.Frame, x, cy, k0, k1 int, h float32) {
	w, cw := f.W, f.W/2
	for k := k0; k < k1; k++ {
		var a [2]int
		for j := range 2 {
			d := 2*k + j
			if h > 0 { // 0 is no ribbon, as in the still picture
				a[j] = int(256 * min(1, max(0, h-float32(d)+0.5)))
			}
			c := t.wave.shades[d].Y
			for _, y := range [2]int{cy - 1 - d, cy + d} {
				o := y*w + x
				f.Y[o] = yuv.Blend(t.base.Y[o], c, a[j])
				f.Y[o+1] = yuv.Blend(t.base.Y[o+1], c, a[j])
			}
		}
		ca, c := (a[0]+a[1])/2, t.wave.shades[2*k]
		for _, y := range [2]int{cy/2 - 1 - k, cy/2 + k} {
			o := y*cw + x/2
			f.U[o] = yuv.Blend(t.base.U[o], c.U, ca)
			f.V[o] = yuv.Blend(t.base.V[o], c.V, ca)
		}
	}
}

// catmullRom interpolates vs, given at 0, 1, …, smoothly at x, clamped to
// 0…1.
func catmullRom(vs []float64, x float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	at := func(i int) float64 { return vs[min(max(i, 0), len(vs)-1)] }
	i := int(math.Floor(x))
	t := x - float64(i)
	p0, p1, p2, p3 := at(i-1), at(i), at(i+1), at(i+2)
	v := 0.5 * (2*p1 + (-p0+p2)*t + (2*p0-5*p1+4*p2-p3)*t*t + (-p0+3*p1-3*p2+p3)*t*t*t)
	return math.Min(1, math.Max(0, v))
}
