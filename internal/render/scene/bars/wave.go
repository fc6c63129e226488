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
// Each frame restores the ribbon's previous columns from the still
// picture (they are recorded in Dirty, one rect for every 16 pixels of
// width) and fills the new ones, a column 2 pixels wide at a time.

const (
	waveColumn = 2    // pixels a column of the ribbon is wide
	waveGroup  = 8    // columns restored as one rect (16 pixels: one macroblock wide)
	waveFloor  = 0.05 // the ribbon's half-height in silence, as a fraction of the most
	waveTaper  = 0.08 // the fraction of the width at each edge over which it tapers
	waveShades = 64   // steps of the colour from the centre line to the edge
	waveLight  = 190  // how far towards white the centre line is, out of 256
	centreLine = 48   // the alpha of the centre line drawn into the still picture
)

// waveLayout turns a bars layout into the wave's: the ribbon's band is
// the bars' band with their reflection, across the whole width.
func waveLayout(l layout) layout {
	l.Music = musicWave
	l.Bars = yuv.Rect{X: 0, Y: l.Bars.Y, W: l.W, H: (l.Bars.H + l.Reflect) &^ 1}
	l.Reflect = 0
	return l
}

// waveGeometry returns the ribbon's centre line (an even row) and its
// largest half-height.
func (l layout) waveGeometry() (cy, amp int) {
	cy = (l.Bars.Y + l.Bars.H/2) &^ 1
	return cy, min(cy-l.Bars.Y, l.Bars.Y+l.Bars.H-cy)
}

// wavePaint is what the ribbon is drawn with, computed once.
type wavePaint struct {
	shades [waveShades]yuv.Color // from the centre line out
	taper  []float64             // each column's share of the height, 0 at the frame's edges
}

func newWavePaint(l layout, accent yuv.Color) wavePaint {
	var p wavePaint
	for k := range p.shades {
		w := int(waveLight * math.Pow(1-float64(k)/(waveShades-1), 1.3))
		p.shades[k] = yuv.Color{Y: yuv.Blend(accent.Y, yuv.White.Y, w), U: yuv.Blend(accent.U, yuv.White.U, w),
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
			f.FillRect(yuv.Rect{X: l.Bars.X, Y: cy - 1, W: l.Bars.W, H: 2}, yuv.White, centreLine)
			f.Dirty = f.Dirty[:0]
		}
	}
}

// drawWave draws the ribbon for the levels lv.
func (t *Theme) drawWave(f *yuv.Frame, st *shown, lv analysis.Levels) {
	l := t.l
	cy, amp := l.waveGeometry()
	if len(st.rows) < 2*amp+4 {
		st.rows = make([]yuv.Paint, 2*amp+4)
	}
	n := len(t.wave.taper)
	for c0 := 0; c0 < n; c0 += waveGroup {
		top := cy
		for c := c0; c < min(n, c0+waveGroup); c++ {
			pos := (float64(c) + 0.5) / float64(n) * float64(len(lv.Bands))
			v := catmullRom(lv.Bands, pos-0.5)
			h := float64(amp) * (waveFloor + (1-waveFloor)*v) * t.wave.taper[c]
			if h <= 0 {
				continue
			}
			start := max(l.Bars.Y, (cy-int(math.Ceil(h)))&^1)
			up, down := st.rows[:cy-start], st.rows[amp+2:amp+2+cy-start]
			for y := start; y < cy; y++ {
				d := float64(cy - y - 1) // the row's distance from the centre line
				p := yuv.Paint{C: t.wave.shades[min(waveShades-1, int(d/h*waveShades))], A: int(math.Min(1, h-d) * 256)}
				up[y-start], down[cy-1-y] = p, p
			}
			x := l.Bars.X + c*waveColumn
			f.FillColumn(x, start, waveColumn, up)
			f.FillColumn(x, cy, waveColumn, down)
			top = min(top, start)
		}
		if top < cy {
			x := l.Bars.X + c0*waveColumn
			f.Dirty = append(f.Dirty, yuv.Rect{X: x, Y: top, W: min(waveGroup, n-c0) * waveColumn, H: 2 * (cy - top)})
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
