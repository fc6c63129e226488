package render

import (
	"fmt"
	"math"
	"os"
	"sync"
)

// The intro card: the author is large for cardHold seconds, then dissolves
// into the small author line over cardFade seconds.
const (
	cardHold = 3 * frameRate
	cardFade = 1 * frameRate
)

// Alphas of the per-frame drawing, out of 256.
const (
	barAlpha     = 256 // the bars are opaque, so drawing them is filling rows
	reflectAlpha = 72  // the bars' reflection, where it meets the bars
	haloAlpha    = 230 // the glow around the art at a full pulse
	fillAlpha    = 235 // the progress line's elapsed part
	timeAlpha    = 230 // the elapsed time
	totalAlpha   = 150 // the total time
)

var white = yuv{235, 128, 128}

// placed is a sprite at a position.
type placed struct {
	x, y int
	s    *sprite
}

// scene draws the moving parts of the picture over the static frames: the
// intro card's dissolve, the pulse's glow around the art, the bars, the
// progress line and the elapsed time. Everything it needs per frame is
// computed once in newScene; draw only blends precomputed colours and masks.
type scene struct {
	l        layout
	frames   int
	base     *frame // the still picture
	card     *frame // the still picture with the intro card; nil without an author
	cardRect rect   // where card differs from base
	accent   yuv
	barRows  []paint // colour and alpha of each row of the bars' band and reflection, from the top
	bars     *frame  // the still picture with every bar at full height and full reflection
	halo     []placed
	glowMu   sync.Mutex              // guards glows: frames are drawn by several goroutines
	glows    [haloLevels + 1][]patch // the halo drawn over the still picture, per level, made when first needed
	glowPad  *frame                  // scratch for making glows: one, not one per level
	glyphs   map[rune]*sprite
	dot      *sprite
	lyrics   *lyricScene // nil without lyrics
}

// haloLevels is how many steps the pulse's glow has: its pixels are blended
// once per step and pasted afterwards.
const haloLevels = 64

// patch is a rect's pixels, to paste into a frame.
type patch struct {
	r       rect
	y, u, v []byte
}

// newScene loads the static step's output for p and prepares the drawing.
func newScene(p plan) (*scene, error) {
	l := p.Layout
	base, err := readFrame(p.path(baseFile), l.W, l.H)
	if err != nil {
		return nil, err
	}
	var card *frame
	if p.Card.File != "" {
		if card, err = readFrame(p.path(cardFile), l.W, l.H); err != nil {
			return nil, err
		}
	}
	drawGoLines(p, base, card)
	glyphs, err := readGlyphs(p.path(digitsFile), l)
	if err != nil {
		return nil, err
	}
	hue := p.Colors.Hue
	if p.Cover != "" {
		thumb, err := os.ReadFile(p.path(thumbFile))
		if err != nil {
			return nil, fmt.Errorf("render: reading the cover's thumbnail: %w", err)
		}
		if h, ok := coverHue(thumb); ok {
			hue = h
		}
	}
	s := prepareScene(p, base, card, glyphs, accentFor(hue))
	return s, nil
}

// prepareScene computes everything the frames share: the colours, the
// masks, and the total time drawn into the still pictures.
func prepareScene(p plan, base, card *frame, glyphs map[rune]*sprite, accent [3]uint8) *scene {
	l := p.Layout
	s := &scene{l: l, frames: p.Frames, base: base, card: card, glyphs: glyphs}
	if card != nil {
		s.cardRect = cardRect(p)
	}
	s.accent = rgbToYUV(accent[0], accent[1], accent[2])
	s.barRows = barPaint(l, s.accent)
	s.bars = base.clone()
	for b := range l.BarCount {
		s.bars.fillColumn(l.barX(b), l.Bars.Y, l.barWidth(), s.barRows)
	}
	s.halo = haloSprites(l)
	s.dot = discSprite(l.Dot)
	total := clock(p.Duration.Seconds())
	for _, f := range []*frame{s.base, s.card} {
		if f != nil {
			s.drawText(f, total, l.Progress.X+l.Progress.W-s.textWidth(total), totalAlpha)
			f.dirty = f.dirty[:0]
		}
	}
	return s
}

func readFrame(path string, w, h int) (*frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("render: reading the static picture: %w", err)
	}
	f, err := frameFrom(data, w, h)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return f, nil
}

// readGlyphs cuts the digits strip into one sprite per glyph; the colon's
// cell is narrowed to its middle. The strip is limited-range grey (black is
// 16, white 235), which is stretched to coverage 0…255.
func readGlyphs(path string, l layout) (map[rune]*sprite, error) {
	cw, ch, _ := l.digitCell()
	strip, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("render: reading the digits: %w", err)
	}
	if len(strip) != cw*len(glyphs)*ch {
		return nil, fmt.Errorf("render: the digits strip is %d bytes, want %d", len(strip), cw*len(glyphs)*ch)
	}
	out := make(map[rune]*sprite, len(glyphs))
	for i, r := range glyphs {
		x0, w := i*cw, cw
		if r == ':' {
			w = (cw / 2) &^ 1
			x0 += (cw - w) / 2 &^ 1
		}
		mask := make([]uint8, w*ch)
		for y := range ch {
			for x := range w {
				v := int(strip[y*cw*len(glyphs)+x0+x])
				mask[y*w+x] = uint8(min(255, max(0, (v-16)*255/219)))
			}
		}
		out[r] = newSprite(w, ch, mask)
	}
	return out, nil
}

// cardRect is the part of the frame where the card frame differs from the
// base frame: the rows both author lines may touch, from the text column's
// left edge (less a margin) to the right of the frame, or over the whole
// width when the text is centred. It must not reach the glow or the bars,
// which frames update only where they change (TestLayouts checks).
func cardRect(p plan) rect {
	l := p.Layout
	top := min(p.Author.Base-p.Author.Size*6/5, p.Card.Base-p.Card.Size*6/5)
	bottom := max(p.Author.Base+p.Author.Size*2/5, p.Card.Base+p.Card.Size*2/5) + 4
	top, bottom = max(0, top&^1), min(l.H, (bottom+1)&^1)
	x := 0
	if !l.CenterText {
		x = max(0, l.TextX-16) &^ 1
	}
	return rect{x, top, l.W - x, bottom - top}
}

// barPaint returns the bars' rows from the top of their band to the bottom
// of the reflection: accent at the foot, lighter towards the top, and the
// reflection fading out.
func barPaint(l layout, accent yuv) []paint {
	rows := make([]paint, l.Bars.H+l.Reflect)
	for i := range l.Bars.H {
		up := float64(l.Bars.H-i) / float64(l.Bars.H) // 1 at the top, 0 at the foot
		w := int(160 * up)
		rows[i] = paint{yuv{blend(accent.Y, white.Y, w), blend(accent.U, white.U, w), blend(accent.V, white.V, w)}, barAlpha}
	}
	for i := range l.Reflect {
		fade := 1 - float64(i)/float64(l.Reflect)
		rows[l.Bars.H+i] = paint{accent, int(reflectAlpha * fade * fade)}
	}
	return rows
}

// haloSprites builds the pulse's glow around the art's rounded square as
// four edge strips and four corners, so that drawing it touches the glow's
// pixels only, not the art inside it.
func haloSprites(l layout) []placed {
	a, h := l.Art, l.Halo
	r := float64(a.W / artRadiusDiv)
	// mask is the glow over the art's rect grown by h: falling off with
	// the distance from the rounded square, 0 inside it.
	w, ht := a.W+2*h, a.H+2*h
	mask := make([]uint8, w*ht)
	for y := range ht {
		for x := range w {
			px, py := float64(x-h)+0.5, float64(y-h)+0.5
			dx := math.Max(math.Max(r-px, px-(float64(a.W)-r)), 0)
			dy := math.Max(math.Max(r-py, py-(float64(a.H)-r)), 0)
			d := math.Hypot(dx, dy) - r
			if d > 0 && d < float64(h) {
				fall := 1 - d/float64(h)
				mask[y*w+x] = clamp8(255 * fall * fall)
			}
		}
	}
	cut := func(x, y, cw, ch int) placed {
		m := make([]uint8, cw*ch)
		for j := range ch {
			copy(m[j*cw:(j+1)*cw], mask[(y+j)*w+x:])
		}
		return placed{a.X - h + x, a.Y - h + y, newSprite(cw, ch, m)}
	}
	c := (h + int(r) + 1) &^ 1 // a corner's square reaches past the rounding
	return []placed{
		cut(0, 0, c, c), cut(w-c, 0, c, c), cut(0, ht-c, c, c), cut(w-c, ht-c, c, c), // corners
		cut(c, 0, w-2*c, h), cut(c, ht-h, w-2*c, h), // top, bottom
		cut(0, c, h, ht-2*c), cut(w-h, c, h, ht-2*c), // left, right
	}
}

// discSprite is an anti-aliased disc of diameter d (even).
func discSprite(d int) *sprite {
	mask := make([]uint8, d*d)
	c := float64(d) / 2
	for y := range d {
		for x := range d {
			dist := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c)
			mask[y*d+x] = clamp8(255 * math.Max(0, math.Min(1, c-dist+0.5)))
		}
	}
	return newSprite(d, d, mask)
}

// clock formats seconds as m:ss, or h:mm:ss from an hour on.
func clock(sec float64) string {
	s := int(sec)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func (s *scene) textWidth(text string) int {
	w := 0
	for _, r := range text {
		w += s.glyphs[r].w
	}
	return w
}

// drawText draws text (digits and colons) with its left edge at x, on the
// time baseline.
func (s *scene) drawText(f *frame, text string, x, alpha int) {
	_, _, base := s.l.digitCell()
	y := s.l.TimeBase - base
	x &^= 1
	for _, r := range text {
		g := s.glyphs[r]
		f.blendSprite(x, y, g, white, alpha)
		x += g.w
	}
}

// draw draws frame i with the analysis lv into f, which holds an earlier
// frame of the same scene (or the still picture).
func (s *scene) draw(f *frame, i int, lv levels) {
	f.restore(s.base)
	if s.card != nil && i < cardHold+cardFade {
		if i < cardHold {
			f.copyRect(s.card, s.cardRect)
			f.dirty = append(f.dirty, s.cardRect)
		} else {
			f.mixRect(s.card, s.base, s.cardRect, (i-cardHold+1)*256/(cardFade+1))
		}
	}
	s.drawGlow(f, lv.Pulse)
	s.drawBars(f, lv)
	s.drawProgress(f, i)
	if s.lyrics != nil {
		s.lyrics.update(f, s.base, i)
	}
}

// glow returns the halo's patches at level (0…haloLevels; 0 is the still
// picture), blending them over the still picture the first time.
func (s *scene) glow(level int) []patch {
	s.glowMu.Lock()
	defer s.glowMu.Unlock()
	if s.glows[level] != nil {
		return s.glows[level]
	}
	if s.glowPad == nil {
		s.glowPad = newFrame(s.base.w, s.base.h)
	}
	scratch := s.glowPad
	copy(scratch.buf, s.base.buf)
	patches := make([]patch, len(s.halo))
	for i, h := range s.halo {
		scratch.blendSprite(h.x, h.y, h.s, s.accent, level*haloAlpha/haloLevels)
		patches[i] = scratch.cut(rect{h.x, h.y, h.s.w, h.s.h})
	}
	s.glows[level] = patches
	return patches
}

// drawGlow pastes the glow at the pulse's level, unless f holds it
// already.
func (s *scene) drawGlow(f *frame, pulse float64) {
	level := int(pulse*haloLevels + 0.5)
	if level == f.glow {
		return
	}
	for _, p := range s.glow(level) {
		f.paste(p)
	}
	f.glow = level
}

// drawBars draws one bar per level, with its reflection, anti-aliased at
// the top. The bars are opaque, so their fully covered rows are copied from
// the picture of all bars at full height, and only the rows at a bar's top
// are blended. f remembers what it holds of each bar, and only the rows
// that change are written: a bar that grew gets the rows it gained, one
// that shrank gets the still picture back where it was.
func (s *scene) drawBars(f *frame, lv levels) {
	l := s.l
	bw, band := l.barWidth(), l.Bars.H
	if len(f.bars) != len(lv.Bars) {
		f.bars = make([]barState, len(lv.Bars))
		for b := range f.bars {
			f.bars[b] = barState{band, band, 0} // a copy of the still picture holds no bar
		}
	}
	for b, v := range lv.Bars {
		h := v * float64(band)
		full := int(h)
		frac := int((h - float64(full)) * 256)
		top := band - full // the first fully covered row
		now := barState{band, band, 0}
		if full > 0 || frac > 0 {
			now = barState{max(0, (top-1)&^1), min(band, (top+1)&^1), min(full, l.Reflect) &^ 1}
		}
		was, x, y0 := f.bars[b], l.barX(b), l.Bars.Y
		if was.start < now.start {
			f.copyRect(s.base, rect{x, y0 + was.start, bw, now.start - was.start})
		}
		if now.even < was.even {
			f.copyRect(s.bars, rect{x, y0 + now.even, bw, was.even - now.even})
		}
		if now.start < now.even {
			f.copyRect(s.base, rect{x, y0 + now.start, bw, now.even - now.start})
			if len(f.rows) < len(s.barRows) {
				f.rows = make([]paint, len(s.barRows))
			}
			rows := f.rows[:now.even-now.start]
			for y := now.start; y < now.even; y++ {
				a := 0
				switch {
				case y >= top:
					a = s.barRows[y].a
				case y == top-1:
					a = s.barRows[y].a * frac >> 8
				}
				rows[y-now.start] = paint{s.barRows[y].c, a}
			}
			f.fillColumn(x, y0+now.start, bw, rows)
		}
		if now.refl > was.refl {
			f.copyRect(s.bars, rect{x, y0 + band + was.refl, bw, now.refl - was.refl})
		} else if now.refl < was.refl {
			f.copyRect(s.base, rect{x, y0 + band + now.refl, bw, was.refl - now.refl})
		}
		f.bars[b] = now
	}
}

// drawProgress draws the elapsed part of the progress line, its head and
// the elapsed time.
func (s *scene) drawProgress(f *frame, i int) {
	p := s.l.Progress
	w := (p.W * (i + 1) / s.frames) &^ 1
	f.fillRect(rect{p.X, p.Y, w, p.H}, white, fillAlpha)
	d := s.l.Dot
	x := min(max(p.X+w-d/2, p.X), p.X+p.W-d) &^ 1
	f.blendSprite(x, (p.Y+p.H/2-d/2)&^1, s.dot, white, 256)
	s.drawText(f, clock(float64(i)/frameRate), p.X, timeAlpha)
}
