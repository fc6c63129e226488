package render

import (
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mvgen/mvgen/internal/lyrics"
)

// How lyrics are drawn (see lyricLayout for where).
const (
	lyricFade    = 6             // frames a line takes to fade in and out
	lyricPreroll = frameRate     // with nothing on screen, the next line shows this many frames before it is sung
	lyricJoin    = 2 * frameRate // the next line shows under the sung one when it follows within this many frames
	unsungAlpha  = 150           // a timed line's words not yet sung, out of 256
	nextAlpha    = 110           // the next line
	shadowAlpha  = 120           // the text's drop shadow
	maxLyricRune = 200           // a line is cut to this many characters
	lyricsFont   = "Bold"        // the sung line's style
	nextFont     = "Regular"     // the next line's
	lyricGap     = 4             // extra pixels between the sung line and the next, at 720p
)

// lyricShadow is the offset of the lyrics' drop shadow in l.
func lyricShadow(l layout) int { return max(2, l.LyricSize/16) &^ 1 }

// lyricLine is one line of lyrics: shown from frame start to end, large
// while sung and small before.
type lyricLine struct {
	start, end int
	text       []rune
	wordOf     []int // the word of each rune of text, -1 for none
	// words[i] is the frame word i is sung from; empty for a line without
	// word times.
	words []int
}

// lyricMasks are a line's text laid out and rasterised: cur while it is
// sung, next before.
type lyricMasks struct{ cur, next *textMask }

// lyricCache is how many lines' masks a render keeps: the encoders draw
// their GOPs about in order, so a line is laid out once, when a frame
// first shows it, and memory does not grow with the number of lines.
const lyricCache = 12

// lyricScene draws the lyrics. Each line is laid out and rasterised once,
// when first shown (under the lock: the typesetters are not safe for
// concurrent use, and that happens once every few seconds of video); a
// frame only blends the masks of at most two lines.
type lyricScene struct {
	box    rect
	shadow int
	gap    int
	lines  []lyricLine

	l          layout
	mu         sync.Mutex
	big, small *typesetter
	cached     map[int]lyricMasks
	order      []int // the cached lines, least recently laid out first
}

// newLyricScene prepares ls for layout l, with font (Noto Sans CJK or the
// configured font) after Noto Sans; nil when there is nothing to show.
// Lines are cleaned like titles (controls, bidi overrides), cut to
// maxLyricRune characters, and those that start after frames are dropped.
// The fonts are loaded and the first line laid out now.
func newLyricScene(ls []lyrics.Line, l layout, font, boldFont string, frames int) *lyricScene {
	if len(ls) == 0 || l.Lyrics.empty() {
		return nil
	}
	if boldFont == "" {
		boldFont = font
	}
	sc := &lyricScene{box: l.Lyrics, shadow: lyricShadow(l), gap: lyricGap * l.LyricSize / 34 &^ 1, l: l,
		cached: map[int]lyricMasks{}}
	// The block of the sung line at its tallest and the next line is
	// centred in the area, so that lines do not jump about.
	tallest := lyricMaskHeight(l.LyricSize, l.LyricLines) + sc.gap + lyricMaskHeight(l.NextSize, 1)
	sc.box.Y += max(0, (l.Lyrics.H-tallest)/2) &^ 1
	sc.box.H = l.Lyrics.Y + l.Lyrics.H - sc.box.Y
	for _, line := range ls {
		start, end := toFrame(line.Start), min(toFrame(line.End), frames)
		text := truncate(cleanLine(line.Text), maxLyricRune)
		if text == "" || start >= frames || end <= start {
			continue
		}
		wordOf, starts := wordIndex(text, line.Words)
		sc.lines = append(sc.lines, lyricLine{start: start, end: end, text: []rune(text), wordOf: wordOf, words: starts})
	}
	if len(sc.lines) == 0 {
		return nil
	}
	sc.big, sc.small = newTypesetter(boldFont, lyricsFont), newTypesetter(font, nextFont)
	sc.masks(0)
	return sc
}

// masks returns line k's masks, laying it out if it is not cached.
func (ls *lyricScene) masks(k int) lyricMasks {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if m, ok := ls.cached[k]; ok {
		return m
	}
	l, line := ls.l, &ls.lines[k]
	laid, size := ls.big.layout(line.text, l.LyricSize, l.LyricMin, l.Lyrics.W, l.LyricLines)
	nl, nsize := ls.small.layout(line.text, l.NextSize, l.NextSize, l.Lyrics.W, 1)
	var m lyricMasks
	if len(laid) == 0 || len(nl) == 0 { // no font at all: nothing to draw
		empty := &textMask{w: 2, h: 2, a: make([]uint8, 4), ac: make([]uint8, 1), words: make([][]rect, len(line.words))}
		m = lyricMasks{empty, empty}
	} else {
		m = lyricMasks{
			cur:  ls.big.render(line.text, laid, size, l.Lyrics.W, l.CenterText, line.wordOf, len(line.words)).crop(),
			next: ls.small.render(line.text, nl, nsize, l.Lyrics.W, l.CenterText, nil, 0).crop(),
		}
	}
	if len(ls.order) >= lyricCache {
		delete(ls.cached, ls.order[0])
		ls.order = ls.order[1:]
	}
	ls.cached[k] = m
	ls.order = append(ls.order, k)
	return m
}

func toFrame(d time.Duration) int {
	return int(math.Round(d.Seconds() * frameRate))
}

// wordIndex finds words in text, in order, and returns the word index of
// each rune of text (-1 between words) and the frame each word is sung
// from. A word it cannot find (cleaning changed it) has no runes.
func wordIndex(text string, words []lyrics.Word) ([]int, []int) {
	wordOf := make([]int, utf8.RuneCountInString(text))
	for i := range wordOf {
		wordOf[i] = -1
	}
	starts := make([]int, len(words))
	at := 0 // byte offset searched from
	for i, w := range words {
		starts[i] = toFrame(w.Start)
		wt := cleanLine(w.Text)
		j := strings.Index(text[at:], wt)
		if wt == "" || j < 0 {
			continue
		}
		first := utf8.RuneCountInString(text[:at+j])
		for k := range utf8.RuneCountInString(wt) {
			wordOf[first+k] = i
		}
		at += j + len(wt)
	}
	return wordOf, starts
}

// crop narrows m to the columns its glyphs cover, recording the offset
// in x.
func (m *textMask) crop() *textMask {
	x0, x1 := m.w, 0
	for y := range m.h {
		row := m.a[y*m.w : (y+1)*m.w]
		for x, a := range row {
			if a != 0 {
				x0, x1 = min(x0, x), max(x1, x+1)
			}
		}
	}
	if x1 <= x0 {
		return &textMask{w: 2, h: 2, a: make([]uint8, 4), ac: make([]uint8, 1), words: m.words}
	}
	x0, x1 = x0&^1, min(m.w, (x1+1)&^1)
	c := &textMask{x: x0, w: x1 - x0, h: m.h, a: make([]uint8, 0, (x1-x0)*m.h), ac: make([]uint8, 0, (x1-x0)*m.h/4)}
	for y := range m.h {
		c.a = append(c.a, m.a[y*m.w+x0:y*m.w+x1]...)
	}
	for y := range m.h / 2 {
		c.ac = append(c.ac, m.ac[y*m.w/2+x0/2:y*m.w/2+x1/2]...)
	}
	c.words = make([][]rect, len(m.words))
	for i, rs := range m.words {
		for _, r := range rs {
			r.X -= x0
			if r.X < 0 {
				r.W, r.X = r.W+r.X, 0
			}
			r.W = min(r.W, c.w-r.X)
			if r.W > 0 {
				c.words[i] = append(c.words[i], r)
			}
		}
	}
	return c
}

// fade is the gain (0…256) of something shown from frame start to end,
// fading in and out over lyricFade frames, at frame i.
func fade(i, start, end int) int {
	g := min(i-start+1, end-i, lyricFade) * 256 / lyricFade
	return max(0, min(256, g))
}

// lyricState is what a frame shows of the lyrics: the sung line (its
// index plus one; 0 for none), its gain and how many of its words have
// been sung, and the next line (index plus one) and its gain. Frames with
// the same state show the same pixels in the lyrics' box. The zero value
// is nothing shown.
type lyricState struct{ cur, gain, sung, next, nextGain int }

// state returns what frame i shows.
func (ls *lyricScene) state(i int) lyricState {
	// c is the last line that has started.
	c := sort.Search(len(ls.lines), func(k int) bool { return ls.lines[k].start > i }) - 1
	if c >= 0 && i < ls.lines[c].end {
		line := &ls.lines[c]
		s := lyricState{cur: c + 1, gain: fade(i, line.start, line.end)}
		for _, start := range line.words {
			if start > i {
				break
			}
			s.sung++
		}
		if n := c + 1; n < len(ls.lines) && ls.lines[n].start-line.end < lyricJoin {
			s.next, s.nextGain = n+1, s.gain
		}
		return s
	}
	if n := c + 1; n < len(ls.lines) && ls.lines[n].start-i <= lyricPreroll {
		next := &ls.lines[n]
		return lyricState{next: n + 1, nextGain: fade(i, next.start-lyricPreroll, next.start+lyricFade)}
	}
	return lyricState{}
}

// update brings the lyrics f shows to frame i's: when they differ, it
// restores where f's lyrics were from the still picture base and draws
// frame i's. Most frames show what the frame before did (a line stays for
// seconds; its words light up a few times a second), and then nothing is
// drawn. The lyrics' box overlaps nothing else drawn per frame (the
// layouts keep it apart: TestLayouts), so its rects are kept apart from
// f.dirty.
func (ls *lyricScene) update(f *frame, base *frame, i int) {
	s := ls.state(i)
	if s == f.lyrics {
		return
	}
	for _, r := range f.lyricRects {
		f.copyRect(base, r)
	}
	others := f.dirty
	f.dirty = f.lyricRects[:0]
	ls.draw(f, s)
	f.lyricRects, f.dirty, f.lyrics = f.dirty, others, s
}

// draw draws the lyrics of state s into f.
func (ls *lyricScene) draw(f *frame, s lyricState) {
	y := ls.box.Y
	if s.cur > 0 {
		line := &ls.lines[s.cur-1]
		m := ls.masks(s.cur - 1)
		ls.drawLine(f, line, m.cur, s.sung, y, s.gain)
		if s.next > 0 {
			ls.drawNext(f, ls.masks(s.next-1).next, y+m.cur.h+ls.gap, s.nextGain)
		}
		return
	}
	if s.next > 0 {
		m := ls.masks(s.next - 1)
		ls.drawNext(f, m.next, y+m.cur.h+ls.gap, s.nextGain)
	}
}

// drawLine draws the sung line's mask m at y with gain g: its first sung
// words bright, the others dimmer; a line without word times all bright.
func (ls *lyricScene) drawLine(f *frame, line *lyricLine, m *textMask, sung, y, g int) {
	x := ls.box.X + m.x
	all := rect{0, 0, m.w, m.h}
	f.blendMask(x+ls.shadow, y+ls.shadow, m, all, yuv{16, 128, 128}, shadowAlpha*g>>8)
	if len(line.words) == 0 {
		f.blendMask(x, y, m, all, white, g)
		return
	}
	f.blendMask(x, y, m, all, white, unsungAlpha*g>>8)
	// Blending white again over the dim text brightens it to white where
	// the mask is full.
	for w := range sung {
		for _, r := range m.words[w] {
			f.blendMask(x, y, m, r, white, g)
		}
	}
}

// drawNext draws the mask m of the line to be sung next, dim, at y.
func (ls *lyricScene) drawNext(f *frame, m *textMask, y, g int) {
	if y+m.h+ls.shadow > ls.box.Y+ls.box.H {
		return
	}
	x := ls.box.X + m.x
	all := rect{0, 0, m.w, m.h}
	f.blendMask(x+ls.shadow/2&^1, y+ls.shadow/2&^1, m, all, yuv{16, 128, 128}, shadowAlpha*g>>9)
	f.blendMask(x, y, m, all, white, nextAlpha*g>>8)
}

// blendMask blends c through the part sub of mask m placed at (x, y), all
// even, scaling its coverage by gain (0…256), and records the rect as
// dirty. A part that would leave the frame is not drawn (the layouts keep
// it inside: TestLayouts).
func (f *frame) blendMask(x, y int, m *textMask, sub rect, c yuv, gain int) {
	if gain <= 0 || sub.empty() || x+sub.X < 0 || y+sub.Y < 0 || x+sub.X+sub.W > f.w || y+sub.Y+sub.H > f.h {
		return
	}
	f.touch(rect{x + sub.X, y + sub.Y, sub.W, sub.H})
	g := gain * 257 // coverage 0…255 times g, >>16, is 0…gain
	for j := sub.Y; j < sub.Y+sub.H; j++ {
		row := f.y[(y+j)*f.w+x+sub.X : (y+j)*f.w+x+sub.X+sub.W]
		as := m.a[j*m.w+sub.X : j*m.w+sub.X+sub.W]
		for i, a := range as {
			if a != 0 {
				row[i] = blend(row[i], c.Y, int(a)*g>>16)
			}
		}
	}
	cw, mw := f.w/2, m.w/2
	for j := sub.Y / 2; j < (sub.Y+sub.H)/2; j++ {
		o := (y/2+j)*cw + (x+sub.X)/2
		us, vs := f.u[o:o+sub.W/2], f.v[o:o+sub.W/2]
		as := m.ac[j*mw+sub.X/2 : j*mw+(sub.X+sub.W)/2]
		for i, a := range as {
			if a != 0 {
				a := int(a) * g >> 16
				us[i] = blend(us[i], c.U, a)
				vs[i] = blend(vs[i], c.V, a)
			}
		}
	}
	f.dirty = append(f.dirty, rect{x + sub.X, y + sub.Y, sub.W, sub.H})
}

// Alphas of the text drawn in Go over the still pictures, out of 256,
// matching the static step's drawtext colours.
const (
	authorAlpha    = 200 // white@0.78
	markAlpha      = 205 // white@0.8
	markBoxAlpha   = 115 // black@0.45
	titleShadow    = 115 // black@0.45
	cardShadow     = 154 // black@0.6
	authorShadowGo = 102 // black@0.4
)

// drawGoLines draws the text lines the static step left out (see
// textLine.Go) into the still pictures base and card (nil without an
// author), as the static step would have: the title in bold on both (see
// drawGoTitle), the author small on base and large on card, the domain on
// its box on both.
func drawGoLines(p plan, base, card *frame) {
	var bold, regular *typesetter
	draw := func(f *frame, t textLine, isBold bool, gain, shadow int, box bool) {
		if f == nil || !t.Go || t.File == "" {
			return
		}
		ts := regular
		if isBold {
			if bold == nil {
				bold = newTypesetter(orDefault(p.BoldFont, p.Font), "Bold")
			}
			ts = bold
		} else if ts == nil {
			regular = newTypesetter(p.Font, "Regular")
			ts = regular
		}
		l := p.Layout
		x, w, centre := l.TextX, l.TextW, l.CenterText
		if box { // the watermark: centred on the frame
			x, w, centre = markMargin, l.W-2*markMargin, true
		}
		rs := []rune(t.Text)
		laid, size := ts.layout(rs, t.Size, t.Size*3/5, w, 1)
		if len(laid) == 0 {
			return
		}
		m := ts.render(rs, laid, size, w, centre, nil, 0).crop()
		mx, my := (x+m.x)&^1, max(0, t.Base-lyricAscent(size))&^1
		if my+m.h+4 > f.h || mx+m.w > f.w {
			return
		}
		all := rect{0, 0, m.w, m.h}
		if box {
			pad := l.MarkPad &^ 1
			f.fillRect(rect{max(0, mx-pad), max(0, my-pad/2), min(f.w-mx+pad, m.w+2*pad), min(f.h-my, m.h+pad)},
				yuv{16, 128, 128}, markBoxAlpha)
		}
		if shadow > 0 {
			f.blendMask(mx, my+2, m, all, yuv{16, 128, 128}, shadow)
		}
		f.blendMask(mx, my, m, all, white, gain)
	}
	if len(p.Title) > 0 && p.Title[0].Go {
		drawGoTitle(p, orDefault(p.BoldFont, p.Font), base, card)
	}
	for _, f := range []*frame{base, card} {
		draw(f, p.Domain, false, markAlpha, 0, true)
	}
	draw(base, p.Author, false, authorAlpha, authorShadowGo, false)
	draw(card, p.Card, true, 256, cardShadow, false)
	for _, f := range []*frame{base, card} {
		if f != nil {
			f.dirty = f.dirty[:0]
		}
	}
}

// drawGoTitle draws the whole title in Go into base and card, wrapped onto
// the lines the static step would have used (shrinking to the layout's
// smallest title size, then cut), its first baseline where the static
// step's would be.
func drawGoTitle(p plan, font string, base, card *frame) {
	l := p.Layout
	ts := newTypesetter(font, "Bold")
	rs := []rune(p.TitleText)
	size := p.Title[0].Size
	laid, size := ts.layout(rs, size, min(size, l.TitleMin), l.TextW, len(p.Title))
	if len(laid) == 0 {
		return
	}
	m := ts.render(rs, laid, size, l.TextW, l.CenterText, nil, 0).crop()
	x, y := (l.TextX+m.x)&^1, max(0, p.Title[0].Base-lyricAscent(size))&^1
	if y+m.h+2 > l.H || x+m.w > l.W {
		return
	}
	all := rect{0, 0, m.w, m.h}
	for _, f := range []*frame{base, card} {
		if f != nil {
			f.blendMask(x, y+2, m, all, yuv{16, 128, 128}, titleShadow)
			f.blendMask(x, y, m, all, white, 256)
		}
	}
}
