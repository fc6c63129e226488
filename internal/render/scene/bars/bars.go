package bars

import (
	"context"
	"fmt"
	"github.com/mvgen/mvgen/internal/render/safe"
	"math"
	"os"
	"sync"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/source"
	"github.com/mvgen/mvgen/internal/render/yuv"
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

// haloLevels is how many steps the pulse's glow has: its pixels are blended
// once per step and pasted afterwards.
const haloLevels = 64

// placed is a sprite at a position.
type placed struct {
	x, y int
	s    *yuv.Sprite
}

// Theme is the bars look (see the package's doc). New makes one; Still
// draws its still picture; Draw then draws the moving parts over it: the
// intro card's dissolve, the pulse's glow around the art, the bars, the
// progress line, the elapsed time and the lyrics. Everything Draw needs is
// computed once, when the still picture is made; it only blends
// precomputed colours and masks.
type Theme struct {
	spec     scene.Spec
	l        layout
	cardHold int // the author is large on the intro card for this many frames,
	cardFade int // then dissolves into the small author line over this many

	base     *yuv.Frame // the still picture
	card     *yuv.Frame // the still picture with the intro card; nil without an author
	cardRect yuv.Rect   // where card differs from base
	accent   yuv.Color
	barRows  []yuv.Paint // colour and alpha of each row of the bars' band and reflection, from the top
	bars     *yuv.Frame  // the still picture with every bar at full height and full reflection
	halo     []placed
	glowMu   sync.Mutex                  // guards glows: frames are drawn by several goroutines
	glows    [haloLevels + 1][]yuv.Patch // the halo drawn over the still picture, per level, made when first needed
	glowPad  *yuv.Frame                  // scratch for making glows: one, not one per level
	glyphs   map[rune]*yuv.Sprite
	dot      *yuv.Sprite
	lyrics   *scene.Lyrics // nil without lyrics
	wave     wavePaint     // the wave's colours (musicWave)
	ring     *ring         // the radial look's ring (musicRadial)
}

// shown is what a frame holds of the moving parts (kept in its State):
// they are not restored from the still picture each frame but updated
// where they changed.
type shown struct {
	// bars and glow say what the frame holds of the bars and of the
	// pulse's glow (its level; 0 is none).
	bars []barState
	glow int
	// lyrics is what the frame shows of the lyrics.
	lyrics scene.Shown
	// rows is scratch for drawing one bar or one column of the wave.
	rows []yuv.Paint
	// ring holds the length each bar of the radial look's ring is drawn
	// at, in pixels (0 is none).
	ring []float32
	// wave holds the half-height each column of the wave's ribbon is drawn
	// at, in rows (0 is none).
	wave []float32
}

// barState is what a frame holds of one bar, in rows of the bars' band:
// still picture above start, the anti-aliased top from start to even, the
// bar from even to the band's foot, and refl rows of reflection under it.
type barState struct{ start, even, refl int }

// New returns the bars theme for spec: 16:9 puts the cover on the left and
// the texts on the right over a row of bars, 1:1, 9:16 and 4:5 stack them
// in one column (see layoutFor; 9:16 inside the platform-safe box unless
// spec.FullFrame, see safePortrait), with room for the lyrics when spec
// has some (see lyricLayout).
func New(spec scene.Spec) *Theme { return newLook(lookBars, spec) }

// Bands is the number of bars.
func (t *Theme) Bands() int { return t.l.BarCount }

// Poster is the still picture with the intro card (the title, the author
// large, the cover) when there is an author, else the still picture.
func (t *Theme) Poster() *yuv.Frame {
	if t.card != nil {
		return t.card
	}
	return t.base
}

// Still runs the static step (see still.go) and loads its pictures, and
// lays out the lyrics meanwhile. A failure of the static step with a cover
// is the cover's (a *source.InputError): the cover is the step's only
// input besides the text files it wrote.
func (t *Theme) Still(ctx context.Context) (*yuv.Frame, error) {
	sp := t.spec
	hue := scene.HueOf(sp.Title, sp.Author)
	if sp.Accent != nil {
		hue = scene.HueOfColor(*sp.Accent)
	}
	p := plan{Layout: t.l, Cover: sp.Cover, Work: sp.Work, Font: sp.Font, BoldFont: sp.BoldFont,
		Colors: scene.PaletteFor(hue), Threads: sp.Threads, Logo: sp.Logo}
	if err := writeTexts(&p, sp.Title, sp.Author, sp.Domain); err != nil {
		return nil, err
	}
	chooseFonts(&p)
	if err := os.WriteFile(p.path(scriptFile), []byte(staticGraph(p)), 0o600); err != nil {
		return nil, fmt.Errorf("render: writing filtergraph: %w", err)
	}
	lyr := make(chan *scene.Lyrics, 1)
	lyrErr := make(chan error, 1)
	go func() {
		var l *scene.Lyrics
		lyrErr <- safe.Call(func() error {
			l = scene.NewLyrics(sp.Lyrics, sp.Sections, t.l.lyricsStyle(), sp.Font, sp.BoldFont, sp.Frames, sp.FPS)
			return nil
		})
		lyr <- l
	}()
	err := sp.FFmpeg.Command(ctx, "static", staticArgs(p)).Run(ctx)
	if err == nil {
		err = t.load(p)
	}
	lerr := <-lyrErr
	t.lyrics = <-lyr
	if lerr != nil {
		return nil, lerr // a panic laying out the lyrics; the cover is not to blame
	}
	if err != nil && p.Cover != nil && ctx.Err() == nil {
		return nil, &source.InputError{Msg: "cover image could not be decoded", Err: err}
	}
	if err != nil {
		return nil, err
	}
	return t.base, nil
}

// load loads the static step's output for p and prepares the drawing.
func (t *Theme) load(p plan) error {
	l := p.Layout
	base, err := readFrame(p.path(baseFile), l.W, l.H)
	if err != nil {
		return err
	}
	var card *yuv.Frame
	if p.Card.File != "" {
		if card, err = readFrame(p.path(cardFile), l.W, l.H); err != nil {
			return err
		}
	}
	drawGoLines(p, base, card)
	glyphs, err := readGlyphs(p.path(digitsFile), l)
	if err != nil {
		return err
	}
	if a := t.spec.Accent; a != nil {
		t.prepare(p, base, card, glyphs, *a)
		return nil
	}
	hue := p.Colors.Hue
	if p.Cover != nil {
		thumb, err := os.ReadFile(p.path(thumbFile))
		if err != nil {
			return fmt.Errorf("render: reading the cover's thumbnail: %w", err)
		}
		if h, ok := scene.CoverHue(thumb); ok {
			hue = h
		}
	}
	t.prepare(p, base, card, glyphs, scene.Accent(hue))
	return nil
}

// prepare computes everything the frames share: the colours, the masks,
// and the total time drawn into the still pictures.
func (t *Theme) prepare(p plan, base, card *yuv.Frame, glyphs map[rune]*yuv.Sprite, accent [3]uint8) {
	l := t.l
	t.base, t.card, t.glyphs = base, card, glyphs
	if card != nil {
		t.cardRect = cardRect(p)
	}
	t.accent = yuv.FromRGB(accent[0], accent[1], accent[2])
	switch l.Music {
	case musicWave:
		t.wave = newWavePaint(l, t.accent)
		t.wave.drawCentre(l, base, card)
	case musicRadial:
		t.ring = newRing(l, t.accent)
	default:
		t.barRows = barPaint(l, t.accent)
		t.bars = base.Clone()
		for b := range l.BarCount {
			t.bars.FillColumn(l.barX(b), l.Bars.Y, l.barWidth(), t.barRows)
		}
	}
	t.halo = haloSprites(l)
	t.dot = yuv.Disc(l.Dot)
	total := clock(t.spec.Duration.Seconds())
	for _, f := range []*yuv.Frame{t.base, t.card} {
		if f != nil {
			t.drawText(f, total, l.Progress.X+l.Progress.W-t.textWidth(total), totalAlpha)
			f.Dirty = f.Dirty[:0]
		}
	}
}

func readFrame(path string, w, h int) (*yuv.Frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("render: reading the static picture: %w", err)
	}
	f, err := yuv.FromPix(data, w, h)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return f, nil
}

// readGlyphs cuts the digits strip into one sprite per glyph; the colon's
// cell is narrowed to its middle. The strip is limited-range grey (black is
// 16, white 235), which is stretched to coverage 0…255.
func readGlyphs(path string, l layout) (map[rune]*yuv.Sprite, error) {
	cw, ch, _ := l.digitCell()
	strip, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("render: reading the digits: %w", err)
	}
	if len(strip) != cw*len(glyphs)*ch {
		return nil, fmt.Errorf("render: the digits strip is %d bytes, want %d", len(strip), cw*len(glyphs)*ch)
	}
	out := make(map[rune]*yuv.Sprite, len(glyphs))
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
		out[r] = yuv.NewSprite(w, ch, mask)
	}
	return out, nil
}

// cardRect is the part of the frame where the card frame differs from the
// base frame: the rows both author lines may touch, from the text column's
// left edge (less a margin) to the right of the frame, or over the whole
// width when the text is centred. It must not reach the glow or the bars,
// which frames update only where they change (TestLayouts checks).
func cardRect(p plan) yuv.Rect {
	l := p.Layout
	top := min(p.Author.Base-p.Author.Size*6/5, p.Card.Base-p.Card.Size*6/5)
	bottom := max(p.Author.Base+p.Author.Size*2/5, p.Card.Base+p.Card.Size*2/5) + 4
	top, bottom = max(0, top&^1), min(l.H, (bottom+1)&^1)
	x := 0
	if !l.CenterText {
		x = max(0, l.TextX-16) &^ 1
	}
	return yuv.Rect{X: x, Y: top, W: l.W - x, H: bottom - top}
}

// barPaint returns the bars' rows from the top of their band to the bottom
// of the reflection: accent at the foot, lighter towards the top, and the
// reflection fading out.
func barPaint(l layout, accent yuv.Color) []yuv.Paint {
	white := yuv.White
	rows := make([]yuv.Paint, l.Bars.H+l.Reflect)
	for i := range l.Bars.H {
		up := float64(l.Bars.H-i) / float64(l.Bars.H) // 1 at the top, 0 at the foot
		w := int(160 * up)
		rows[i] = yuv.Paint{C: yuv.Color{Y: yuv.Blend(accent.Y, white.Y, w), U: yuv.Blend(accent.U, white.U, w),
			V: yuv.Blend(accent.V, white.V, w)}, A: barAlpha}
	}
	for i := range l.Reflect {
		fade := 1 - float64(i)/float64(l.Reflect)
		rows[l.Bars.H+i] = yuv.Paint{C: accent, A: int(reflectAlpha * fade * fade)}
	}
	return rows
}

// haloSprites builds the pulse's glow around the art's rounded square as
// four edge strips and four corners, so that drawing it touches the glow's
// pixels only, not the art inside it.
func haloSprites(l layout) []placed {
	a, h := l.Art, l.Halo
	r := float64(l.artRadius())
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
				mask[y*w+x] = yuv.Clamp8(255 * fall * fall)
			}
		}
	}
	if l.Round {
		return cutRuns(mask, w, ht, a.X-h, a.Y-h)
	}
	cut := func(x, y, cw, ch int) placed {
		m := make([]uint8, cw*ch)
		for j := range ch {
			copy(m[j*cw:(j+1)*cw], mask[(y+j)*w+x:])
		}
		return placed{a.X - h + x, a.Y - h + y, yuv.NewSprite(cw, ch, m)}
	}
	c := (h + int(r) + 1) &^ 1 // a corner's square reaches past the rounding
	return []placed{
		cut(0, 0, c, c), cut(w-c, 0, c, c), cut(0, ht-c, c, c), cut(w-c, ht-c, c, c), // corners
		cut(c, 0, w-2*c, h), cut(c, ht-h, w-2*c, h), // top, bottom
		cut(0, c, h, ht-2*c), cut(w-h, c, h, ht-2*c), // left, right
	}
}

// clock formats seconds as m:ss, or h:mm:ss from an hour on.
func clock(sec float64) string {
	s := int(sec)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func (t *Theme) textWidth(text string) int {
	w := 0
	for _, r := range text {
		w += t.glyphs[r].W
	}
	return w
}

// drawText draws text (digits and colons) with its left edge at x, on the
// time baseline.
func (t *Theme) drawText(f *yuv.Frame, text string, x, alpha int) {
	_, _, base := t.l.digitCell()
	y := t.l.TimeBase - base
	x &^= 1
	for _, r := range text {
		g := t.glyphs[r]
		f.BlendSprite(x, y, g, yuv.White, alpha)
		x += g.W
	}
}

// Draw draws frame i with the analysis lv into f, which holds an earlier
// frame of the theme's (or the still picture).
func (t *Theme) Draw(f *yuv.Frame, i int, lv analysis.Levels) {
	st, _ := f.State.(*shown)
	if st == nil {
		st = &shown{}
		f.State = st
	}
	f.Restore(t.base)
	if t.card != nil && i < t.cardHold+t.cardFade {
		if i < t.cardHold {
			f.CopyRect(t.card, t.cardRect)
			f.Dirty = append(f.Dirty, t.cardRect)
		} else {
			f.MixRect(t.card, t.base, t.cardRect, (i-t.cardHold+1)*256/(t.cardFade+1))
		}
	}
	t.drawGlow(f, st, lv.Pulse)
	switch t.l.Music {
	case musicWave:
		t.drawWave(f, st, lv)
	case musicRadial:
		t.drawRing(f, st, lv)
		t.drawTicks(f, i)
	default:
		t.drawBars(f, st, lv)
	}
	t.drawProgress(f, i)
	if t.lyrics != nil {
		t.lyrics.Update(f, &st.lyrics, t.base, i)
	}
}

// glow returns the halo's patches at level (0…haloLevels; 0 is the still
// picture), blending them over the still picture the first time.
func (t *Theme) glow(level int) []yuv.Patch {
	t.glowMu.Lock()
	defer t.glowMu.Unlock()
	if t.glows[level] != nil {
		return t.glows[level]
	}
	if t.glowPad == nil {
		t.glowPad = yuv.New(t.base.W, t.base.H)
	}
	scratch := t.glowPad
	copy(scratch.Pix, t.base.Pix)
	patches := make([]yuv.Patch, len(t.halo))
	for i, h := range t.halo {
		scratch.BlendSprite(h.x, h.y, h.s, t.accent, level*haloAlpha/haloLevels)
		patches[i] = scratch.Cut(yuv.Rect{X: h.x, Y: h.y, W: h.s.W, H: h.s.H})
	}
	t.glows[level] = patches
	return patches
}

// drawGlow pastes the glow at the pulse's level, unless f holds it
// already.
func (t *Theme) drawGlow(f *yuv.Frame, st *shown, pulse float64) {
	level := int(pulse*haloLevels + 0.5)
	if level == st.glow {
		return
	}
	for _, p := range t.glow(level) {
		f.Paste(p)
	}
	st.glow = level
}

// drawBars draws one bar per band, with its reflection, anti-aliased at
// the top. The bars are opaque, so their fully covered rows are copied
// from the picture of all bars at full height, and only the rows at a
// bar's top are blended. f remembers what it holds of each bar, and only
// the rows that change are written: a bar that grew gets the rows it
// gained, one that shrank gets the still picture back where it was.
func (t *Theme) drawBars(f *yuv.Frame, st *shown, lv analysis.Levels) {
	l := t.l
	bw, band := l.barWidth(), l.Bars.H
	if len(st.bars) != len(lv.Bands) {
		st.bars = make([]barState, len(lv.Bands))
		for b := range st.bars {
			st.bars[b] = barState{band, band, 0} // a copy of the still picture holds no bar
		}
	}
	for b, v := range lv.Bands {
		h := v * float64(band)
		full := int(h)
		frac := int((h - float64(full)) * 256)
		top := band - full // the first fully covered row
		now := barState{band, band, 0}
		if full > 0 || frac > 0 {
			now = barState{max(0, (top-1)&^1), min(band, (top+1)&^1), min(full, l.Reflect) &^ 1}
		}
		was, x, y0 := st.bars[b], l.barX(b), l.Bars.Y
		if was.start < now.start {
			f.CopyRect(t.base, yuv.Rect{X: x, Y: y0 + was.start, W: bw, H: now.start - was.start})
		}
		if now.even < was.even {
			f.CopyRect(t.bars, yuv.Rect{X: x, Y: y0 + now.even, W: bw, H: was.even - now.even})
		}
		if now.start < now.even {
			f.CopyRect(t.base, yuv.Rect{X: x, Y: y0 + now.start, W: bw, H: now.even - now.start})
			if len(st.rows) < len(t.barRows) {
				st.rows = make([]yuv.Paint, len(t.barRows))
			}
			rows := st.rows[:now.even-now.start]
			for y := now.start; y < now.even; y++ {
				a := 0
				switch {
				case y >= top:
					a = t.barRows[y].A
				case y == top-1:
					a = t.barRows[y].A * frac >> 8
				}
				rows[y-now.start] = yuv.Paint{C: t.barRows[y].C, A: a}
			}
			f.FillColumn(x, y0+now.start, bw, rows)
		}
		if now.refl > was.refl {
			f.CopyRect(t.bars, yuv.Rect{X: x, Y: y0 + band + was.refl, W: bw, H: now.refl - was.refl})
		} else if now.refl < was.refl {
			f.CopyRect(t.base, yuv.Rect{X: x, Y: y0 + band + now.refl, W: bw, H: was.refl - now.refl})
		}
		st.bars[b] = now
	}
}

// drawProgress draws the elapsed part of the progress line, its head and
// the elapsed time.
func (t *Theme) drawProgress(f *yuv.Frame, i int) {
	p := t.l.Progress
	w := (p.W * (i + 1) / t.spec.Frames) &^ 1
	f.FillRect(yuv.Rect{X: p.X, Y: p.Y, W: w, H: p.H}, yuv.White, fillAlpha)
	d := t.l.Dot
	x := min(max(p.X+w-d/2, p.X), p.X+p.W-d) &^ 1
	f.BlendSprite(x, (p.Y+p.H/2-d/2)&^1, t.dot, yuv.White, 256)
	t.drawText(f, clock(float64(i)/float64(t.spec.FPS)), p.X, timeAlpha)
}
