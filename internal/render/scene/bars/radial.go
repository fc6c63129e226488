package bars

import (
	"math"
	"sort"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// The radial look: a round cover, its glow pulsing on the beat, ringed by
// bars that radiate from it (twice the bands: the spectrum runs from the
// top down both sides, low to high, mirrored), and outside them a ring of
// ticks that turns once every ringTurn. The cover itself does not turn:
// turning it would change every macroblock of it in every frame, which
// the encoder pays for (docs/DECISIONS.md gives the figures); the ticks
// and the bars carry the motion.
//
// The bars are drawn from a lookup made once (see newRing): each bar's
// pixels, luma and chroma, with their distance from the centre along the
// bar, their coverage across it and their colour, sorted by distance. A
// bar that changes length rewrites only the pixels between its old and
// new ends, from the still picture and blended again, and marks their
// rect. The ticks are sprites blended over the still picture and
// restored each frame.

const (
	ringTurn   = 40  // seconds the ring of ticks takes to turn once
	ringTicks  = 60  // ticks in the ring; every fifth is brighter
	tickAlpha  = 110 // a tick's alpha, out of 256
	majorAlpha = 220 // every fifth tick's
	ringLight  = 150 // how far towards white a bar's tip is, out of 256
	ringFloor  = 2   // pixels a bar is long in silence
)

// ring is the radial look's lookup of the bars' pixels and the ticks'
// geometry, made once.
type ring struct {
	cx, cy       float64
	inner, reach float64 // the bars start inner from the centre and are at most reach long
	tickR        float64 // the ticks' radius
	tick         *yuv.Sprite
	bars         []ringBar // 2 × the bands
}

// ringBar is one bar's pixels, luma and chroma, sorted by along.
type ringBar struct {
	band         int
	luma, chroma []ringPix
}

// ringPix is one pixel of a bar: its offset in its plane and its position
// (luma pixels), its distance from the centre along the bar, its coverage
// across the bar (0…256) and its colour (Y for luma, U and V for chroma).
type ringPix struct {
	off    int32
	x, y   int16
	along  float32
	a      uint16
	c0, c1 uint8
}

// ringGeometry returns the ring's centre, where the bars start and how
// long they may grow, the ticks' radius and their diameter, from the
// layout: the cover's centre, its glow, and the Bars rect, the ring's
// bounding square.
func (l layout) ringGeometry() (cx, cy, inner, reach, tickR float64, tick int) {
	cx, cy = float64(l.Art.X)+float64(l.Art.W)/2, float64(l.Art.Y)+float64(l.Art.H)/2
	tick = max(4, l.Dot/2) &^ 1
	outer := float64(l.Bars.W) / 2
	inner = float64(l.Art.W)/2 + float64(l.Halo) + float64(tick)/2 + 2
	tickR = outer - float64(tick)
	reach = tickR - float64(tick)*2 - inner
	return cx, cy, inner, reach, tickR, tick
}

// newRing makes the ring's lookup for layout l in colour accent.
func newRing(l layout, accent yuv.Color) *ring {
	cx, cy, inner, reach, tickR, tick := l.ringGeometry()
	g := &ring{cx: cx, cy: cy, inner: inner, reach: reach, tickR: tickR, tick: yuv.Disc(tick)}
	n := 2 * l.BarCount
	width := 0.5 * 2 * math.Pi * inner / float64(n) // half the pitch at the inner end
	colour := func(along float64) yuv.Color {
		w := int(ringLight * math.Min(1, math.Max(0, (along-inner)/reach)))
		return yuv.Color{Y: yuv.Blend(accent.Y, yuv.White.Y, w), U: yuv.Blend(accent.U, yuv.White.U, w),
			V: yuv.Blend(accent.V, yuv.White.V, w)}
	}
	for k := range n {
		band := k
		if k >= l.BarCount {
			band = n - 1 - k
		}
		th := -math.Pi/2 + (float64(k)+0.5)*2*math.Pi/float64(n)
		ux, uy := math.Cos(th), math.Sin(th)
		b := ringBar{band: band}
		// The bar's bounding box, a pixel wider all round.
		x0 := int(math.Floor(cx + math.Min(ux*inner, ux*(inner+reach)) - width - 2))
		x1 := int(math.Ceil(cx + math.Max(ux*inner, ux*(inner+reach)) + width + 2))
		y0 := int(math.Floor(cy + math.Min(uy*inner, uy*(inner+reach)) - width - 2))
		y1 := int(math.Ceil(cy + math.Max(uy*inner, uy*(inner+reach)) + width + 2))
		x0, y0, x1, y1 = max(0, x0)&^1, max(0, y0)&^1, min(l.W, x1+1)&^1, min(l.H, y1+1)&^1
		cover := func(px, py, soft float64) (along float64, a int) {
			along = px*ux + py*uy
			perp := math.Abs(-px*uy + py*ux)
			if along < inner || along > inner+reach+1 {
				return along, 0
			}
			return along, int(256 * math.Min(1, math.Max(0, (width/2-perp)/soft+0.5)))
		}
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				along, a := cover(float64(x)+0.5-cx, float64(y)+0.5-cy, 1)
				if a > 0 {
					c := colour(along)
					b.luma = append(b.luma, ringPix{off: int32(y*l.W + x), x: int16(x), y: int16(y), along: float32(along),
						a: uint16(a), c0: c.Y})
				}
				if x%2 == 0 && y%2 == 0 {
					along, a := cover(float64(x)+1-cx, float64(y)+1-cy, 2)
					if a > 0 {
						c := colour(along)
						b.chroma = append(b.chroma, ringPix{off: int32(y/2*l.W/2 + x/2), x: int16(x), y: int16(y),
							along: float32(along), a: uint16(a), c0: c.U, c1: c.V})
					}
				}
			}
		}
		for _, ps := range [][]ringPix{b.luma, b.chroma} {
			sort.Slice(ps, func(i, j int) bool { return ps[i].along < ps[j].along })
		}
		g.bars = append(g.bars, b)
	}
	return g
}

// drawRing draws each bar of the ring at its band's level, rewriting
// only what changed since the frame f holds.
func (t *Theme) drawRing(f *yuv.Frame, st *shown, lv analysis.Levels) {
	g := t.ring
	if len(st.ring) != len(g.bars) {
		st.ring = make([]float32, len(g.bars)) // a copy of the still picture holds no bar
	}
	for k, b := range g.bars {
		v := 0.0
		if b.band < len(lv.Bands) {
			v = lv.Bands[b.band]
		}
		now := float32(ringFloor + v*(g.reach-ringFloor))
		was := st.ring[k]
		if now == was {
			continue
		}
		lo, hi := g.inner+float64(min(was, now))-1, g.inner+float64(max(was, now))+1
		end := g.inner + float64(now)
		x0, y0, x1, y1 := math.MaxInt, math.MaxInt, -1, -1
		apply := func(ps []ringPix, planes [2][]byte, still [2][]byte, chroma bool) {
			i := sort.Search(len(ps), func(i int) bool { return float64(ps[i].along) >= lo })
			for ; i < len(ps) && float64(ps[i].along) < hi; i++ {
				p := &ps[i]
				a := int(float64(p.a) * math.Min(1, math.Max(0, end-float64(p.along))))
				planes[0][p.off] = yuv.Blend(still[0][p.off], p.c0, a)
				if chroma {
					planes[1][p.off] = yuv.Blend(still[1][p.off], p.c1, a)
				}
				x0, y0, x1, y1 = min(x0, int(p.x)), min(y0, int(p.y)), max(x1, int(p.x)), max(y1, int(p.y))
			}
		}
		apply(b.luma, [2][]byte{f.Y}, [2][]byte{t.base.Y}, false)
		apply(b.chroma, [2][]byte{f.U, f.V}, [2][]byte{t.base.U, t.base.V}, true)
		if x1 >= 0 {
			f.Touch(yuv.Rect{X: x0, Y: y0, W: x1 - x0 + 2, H: y1 - y0 + 2})
		}
		st.ring[k] = now
	}
}

// drawTicks draws the ring of ticks, turned to where it is at frame i.
func (t *Theme) drawTicks(f *yuv.Frame, i int) {
	g := t.ring
	turn := 2 * math.Pi * float64(i) / float64(ringTurn*max(1, t.spec.FPS))
	d := g.tick.W
	for k := range ringTicks {
		th := turn + 2*math.Pi*float64(k)/ringTicks
		x := int(math.Round(g.cx+g.tickR*math.Cos(th)-float64(d)/2)) &^ 1
		y := int(math.Round(g.cy+g.tickR*math.Sin(th)-float64(d)/2)) &^ 1
		a := tickAlpha
		if k%5 == 0 {
			a = majorAlpha
		}
		f.BlendSprite(x, y, g.tick, yuv.White, a)
	}
}

// cutRuns cuts a w×h mask placed at (x0, y0) into sprites: in each pair
// of rows, one per run of columns that either row covers, so that pasting
// them touches nothing but the mask and a pixel or two around it (not the
// ring's bars, which start further out). x0 and y0 are even.
func cutRuns(mask []uint8, w, h, x0, y0 int) []placed {
	var out []placed
	for by := 0; by < h; by += 2 {
		bh := min(2, h-by) &^ 1
		if bh == 0 {
			break
		}
		used := func(x int) bool {
			for y := by; y < by+bh; y++ {
				if mask[y*w+x] != 0 || (x+1 < w && mask[y*w+x+1] != 0) {
					return true
				}
			}
			return false
		}
		for x := 0; x < w; x += 2 {
			if !used(x) {
				continue
			}
			start := x
			for x < w && used(x) {
				x += 2
			}
			end := min(x, w)
			m := make([]uint8, (end-start)*bh)
			for j := range bh {
				copy(m[j*(end-start):(j+1)*(end-start)], mask[(by+j)*w+start:(by+j)*w+end])
			}
			out = append(out, placed{x0 + start, y0 + by, yuv.NewSprite(end-start, bh, m)})
		}
	}
	return out
}

// radialLayout720 returns the radial look's layout of aspect a at 720p:
// the round cover inside its ring (the Bars rect is the ring's bounding
// square, which may leave 9:16's safe box: it only moves), and the texts
// as in the bars look, beside the ring in 16:9 and under it otherwise.
//
//	16:9, 1280×720:
//	┌──────────────────────────────────────────────┐
//	│    ╲ │ │ ╱        Title line 1                │
//	│  ─  ┌───┐  ─      Title line 2                │
//	│  ─  │ ◯ │  ─      Author (the lyrics)         │
//	│  ─  └───┘  ─      ━━━━━━━━○───────────────     │
//	│    ╱ │ │ ╲        1:23                 3:00   │
//	│                 [ domain ]                    │
//	└──────────────────────────────────────────────┘
func radialLayout720(a mvgen.Aspect, lyrics, fullFrame bool, box yuv.Rect) layout {
	l := barsLayout720(a, lyrics, fullFrame, box)
	l.Music, l.Round, l.Reflect, l.BarCount = musicRadial, true, 0, 24
	key := a
	if a == mvgen.Portrait && !fullFrame {
		key = "safe"
	}
	p := radialPlans[key][map[bool]int{true: 1}[lyrics]]
	cx, cy := p.ring[0], p.ring[1]
	if key == "safe" {
		cx, cy = box.X+box.W/2, box.Y+cy
		l.TitleMax, l.TitleMin, l.TitleLines = p.title[0], p.title[1], p.title[2]
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = p.title[3], p.title[4], p.title[5], p.title[3], p.title[6]
		if lyrics {
			l.Lyrics, l.LyricSize, l.LyricMin, l.LyricLines, l.NextSize = yuv.Rect{X: box.X, Y: box.Y + 358, W: box.W - 4, H: 160}, 32, 22, 2, 22
		}
	} else if lyrics && a != mvgen.Landscape {
		l.Lyrics.Y, l.Lyrics.H = p.lyrics[0], p.lyrics[1]
	}
	if p.halo != 0 {
		l.Halo = p.halo
	}
	if p.bands != 0 {
		l.BarCount = p.bands
	}
	art, outer := p.ring[2], p.ring[3]
	l.Art = yuv.Rect{X: cx - art/2, Y: cy - art/2, W: art, H: art}
	l.Bars = yuv.Rect{X: cx - outer, Y: cy - outer, W: 2 * outer, H: 2 * outer}
	l.TitleBase = box.Y*map[bool]int{true: 1}[key == "safe"] + p.titleBase
	if a == mvgen.Landscape {
		l.TextX, l.TextW = 720, 500
		l.Progress, l.TimeBase = yuv.Rect{X: 720, Y: 500, W: 500, H: 4}, 542
		if lyrics {
			l.Lyrics = yuv.Rect{X: 720, Y: 290, W: 500, H: 170}
		}
	}
	return l
}

// radialPlan places the radial look's ring and what moves out of its way
// in one aspect (at 720p), without and with lyrics.
type radialPlan struct {
	ring      [4]int // the centre, the cover's side and the ring's radius
	halo      int    // the glow's width; 0 keeps the bars look's
	bands     int    // the bands (half the ring's bars); 0 is 48
	titleBase int    // the title's first baseline (from the safe box's top in 9:16)
	lyrics    [2]int // the lyrics' top and height, beside 1:1, 9:16 and 4:5
	// title sets the title and the author in the safe box: the title's
	// largest and smallest size and lines, the author's size and gap, its
	// size and gap on the card.
	title [7]int
}

// radialPlans are the radial look's plans by aspect ("safe" is 9:16 in
// the safe box; its ring is centred on the box).
var radialPlans = map[mvgen.Aspect][2]radialPlan{
	mvgen.Landscape: {{ring: [4]int{360, 360, 280, 300}, titleBase: 200}, {ring: [4]int{360, 360, 280, 300}, titleBase: 130}},
	mvgen.Square: {{ring: [4]int{540, 360, 300, 280}, titleBase: 724},
		{ring: [4]int{540, 280, 220, 220}, halo: 14, titleBase: 560, lyrics: [2]int{720, 180}}},
	mvgen.Feed: {{ring: [4]int{540, 400, 300, 300}, titleBase: 790},
		{ring: [4]int{540, 320, 240, 240}, titleBase: 620, lyrics: [2]int{780, 260}}},
	mvgen.Portrait: {{ring: [4]int{360, 400, 280, 300}, titleBase: 796},
		{ring: [4]int{360, 330, 240, 260}, titleBase: 640, lyrics: [2]int{790, 300}}},
	"safe": {{ring: [4]int{0, 160, 200, 230}, halo: 14, bands: 24, titleBase: 432, title: [7]int{36, 26, 2, 24, 36, 40, 54}},
		{ring: [4]int{0, 90, 120, 150}, halo: 10, bands: 24, titleBase: 284, title: [7]int{28, 22, 1, 22, 32, 32, 44}}},
}
