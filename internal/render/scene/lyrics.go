package scene

import (
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/render/text"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// How lyrics are drawn (see LyricsStyle for where).
const (
	lyricFade    = 6         // frames a line takes to fade in and out
	unsungAlpha  = 150       // a timed line's words not yet sung, out of 256
	nextAlpha    = 110       // the next line
	shadowAlpha  = 120       // the text's drop shadow
	maxLyricRune = 200       // a line is cut to this many characters
	lyricsFont   = "Bold"    // the sung line's style
	nextFont     = "Regular" // the next line's
	lyricGap     = 4         // extra pixels between the sung line and the next, at 720p

	// Instrumental breaks: when the next line comes breakGap or more after
	// a line's singing ends (its last word's end, or untimedShow after it
	// starts when its words are not timed), the line fades out then, and
	// countdown dots, one a second, lead into the next line.
	breakGap    = 6 * time.Second
	untimedShow = 4 * time.Second
	countdown   = 3 // dots, and seconds they count down
	dotAlpha    = 230
	labelAlpha  = 170 // a break's section name
)

// LyricsStyle is where a theme shows the lyrics, and how large: the line
// being sung at the top of Box, in bold at Size (shrinking to Min,
// wrapping onto up to Lines lines), and the next line under it at
// NextSize. Nothing else may draw into Box (and its shadow, Shadow pixels
// to the right and below) while the lyrics show: they are drawn again only
// when they change.
type LyricsStyle struct {
	Box       yuv.Rect
	Size, Min int
	Lines     int
	NextSize  int
	Centre    bool // centre the lines in Box; else align them to its start
}

// Shadow is the offset of the lyrics' drop shadow.
func (st LyricsStyle) Shadow() int { return max(2, st.Size/16) &^ 1 }

// gap is the room between the sung line and the next.
func (st LyricsStyle) gap() int { return lyricGap * st.Size / 34 &^ 1 }

// Tallest is the height of the sung line at its tallest and the next line
// under it, without the shadow: Box must be at least this high, and its
// shadow's offset more.
func (st LyricsStyle) Tallest() int {
	return text.MaskHeight(st.Size, st.Lines) + st.gap() + text.MaskHeight(st.NextSize, 1)
}

// lyricLine is one line of lyrics: shown from frame start to end, large
// while sung and small before.
type lyricLine struct {
	start, end int
	// dots: the line follows a break (or opens the song after one), and
	// countdown dots lead into it
	dots    bool
	sungEnd int // the frame its singing ends (see breakGap)
	text    []rune
	wordOf  []int // the word of each rune of text, -1 for none
	// words[i] is the frame word i is sung from; empty for a line without
	// word times.
	words []int
}

// lyricSection is a section marker: from frame start, the section name.
type lyricSection struct {
	start int
	name  []rune
}

// lyricMasks are a line's text laid out and rasterised: cur while it is
// sung, next before.
type lyricMasks struct{ cur, next *text.Mask }

// lyricCache is how many lines' masks a render keeps: the encoders draw
// their GOPs about in order, so a line is laid out once, when a frame
// first shows it, and memory does not grow with the number of lines.
const lyricCache = 12

// Lyrics draws synced lyrics: the line being sung, large, its words
// lighting up as they are sung when their times are known, and the next
// line under it, dimmer; lines fade in and out over 0.2 s, and nothing
// shows between lines but the next one, a second before it starts. Over an
// instrumental break (see breakGap) the line fades out when its singing
// ends, and three dots count down the last three seconds to the next. Each
// line is laid out and rasterised once, when first shown (under a lock:
// the typesetters are not safe for concurrent use, and that happens once
// every few seconds of video); the last dozen lines' masks are kept, so
// memory does not grow with the lyrics. A frame only blends the masks of
// at most two lines, and only when what they show changes.
type Lyrics struct {
	box     yuv.Rect
	shadow  int
	gap     int
	preroll int // with nothing on screen, the next line shows this many frames before it is sung
	join    int // the next line shows under the sung one when it follows within this many frames
	fps     int
	lines   []lyricLine
	dot     *yuv.Sprite // a countdown dot
	// sections are the song's section markers
	sections []lyricSection
	labels   map[int]*text.Mask // the sections' names laid out, under mu

	st         LyricsStyle
	mu         sync.Mutex
	big, small *text.Typesetter
	cached     map[int]lyricMasks
	order      []int // the cached lines, least recently laid out first
}

// NewLyrics prepares the lyrics ls (and the song's section markers,
// named over the instrumental breaks) of a video of frames frames at fps
// frames a second, in style st, with font (Noto Sans CJK or the configured
// font) after Noto Sans; nil when there is nothing to show. Lines are
// cleaned like titles (controls, bidi overrides), cut to 200 characters,
// and those that start after the video's end are dropped. The fonts are
// loaded and the first line laid out now.
func NewLyrics(ls []lyrics.Line, sections []lyrics.Section, st LyricsStyle, font, boldFont string, frames, fps int) *Lyrics {
	if len(ls) == 0 || st.Box.Empty() {
		return nil
	}
	if boldFont == "" {
		boldFont = font
	}
	sc := &Lyrics{box: st.Box, shadow: st.Shadow(), gap: st.gap(), preroll: fps, join: 2 * fps, fps: fps, st: st,
		cached: map[int]lyricMasks{}, dot: yuv.Disc(max(6, st.Size/3) &^ 1)}
	// The block of the sung line at its tallest and the next line is
	// centred in the area, so that lines do not jump about.
	tallest := st.Tallest()
	sc.box.Y += max(0, (st.Box.H-tallest)/2) &^ 1
	sc.box.H = st.Box.Y + st.Box.H - sc.box.Y
	for _, line := range ls {
		start, end := toFrame(line.Start, fps), min(toFrame(line.End, fps), frames)
		t := text.Truncate(text.Clean(line.Text), maxLyricRune)
		if t == "" || start >= frames || end <= start {
			continue
		}
		wordOf, starts := wordIndex(t, line.Words, fps)
		sung := line.Start + untimedShow
		if n := len(line.Words); n > 0 {
			last := line.Words[n-1]
			sung = max(last.End, last.Start+time.Second/2)
		}
		sc.lines = append(sc.lines, lyricLine{start: start, end: end, text: []rune(t), wordOf: wordOf, words: starts,
			sungEnd: toFrame(sung, fps)})
	}
	if len(sc.lines) == 0 {
		return nil
	}
	for _, s := range sections {
		if name := text.Truncate(text.Clean(s.Name), lyrics.MaxSectionRunes); name != "" && toFrame(s.Start, fps) < frames {
			sc.sections = append(sc.sections, lyricSection{start: toFrame(s.Start, fps), name: []rune(name)})
		}
	}
	sc.labels = map[int]*text.Mask{}
	sc.breaks(frames)
	sc.big, sc.small = text.NewTypesetter(boldFont, lyricsFont), text.NewTypesetter(font, nextFont)
	sc.masks(0)
	return sc
}

// breaks finds the instrumental breaks (see breakGap) of a video of
// frames frames: a line the next follows only after one ends when its
// singing does (and fades out then), and the line after a break, or a
// first line after as long an intro, gets countdown dots.
func (ls *Lyrics) breaks(frames int) {
	gap := toFrame(breakGap, ls.fps)
	if ls.lines[0].start >= gap {
		ls.lines[0].dots = true
	}
	for k := range ls.lines {
		line := &ls.lines[k]
		next := frames
		if k+1 < len(ls.lines) {
			next = ls.lines[k+1].start
		}
		if next-line.sungEnd < gap {
			continue
		}
		line.end = max(line.start+1, min(line.end, line.sungEnd+lyricFade))
		if k+1 < len(ls.lines) {
			ls.lines[k+1].dots = true
		}
	}
}

// masks returns line k's masks, laying it out if it is not cached.
func (ls *Lyrics) masks(k int) lyricMasks {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if m, ok := ls.cached[k]; ok {
		return m
	}
	st, line := ls.st, &ls.lines[k]
	laid, size := ls.big.Layout(line.text, st.Size, st.Min, st.Box.W, st.Lines)
	nl, nsize := ls.small.Layout(line.text, st.NextSize, st.NextSize, st.Box.W, 1)
	var m lyricMasks
	if len(laid) == 0 || len(nl) == 0 { // no font at all: nothing to draw
		empty := text.Empty(make([][]yuv.Rect, len(line.words)))
		m = lyricMasks{empty, empty}
	} else {
		m = lyricMasks{
			cur:  ls.big.Render(line.text, laid, size, st.Box.W, st.Centre, line.wordOf, len(line.words)).Crop(),
			next: ls.small.Render(line.text, nl, nsize, st.Box.W, st.Centre, nil, 0).Crop(),
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

func toFrame(d time.Duration, fps int) int {
	return int(math.Round(d.Seconds() * float64(fps)))
}

// wordIndex finds words in t, in order, and returns the word index of
// each rune of t (-1 between words) and the frame each word is sung
// from. A word it cannot find (cleaning changed it) has no runes.
func wordIndex(t string, words []lyrics.Word, fps int) ([]int, []int) {
	wordOf := make([]int, utf8.RuneCountInString(t))
	for i := range wordOf {
		wordOf[i] = -1
	}
	starts := make([]int, len(words))
	at := 0 // byte offset searched from
	for i, w := range words {
		starts[i] = toFrame(w.Start, fps)
		wt := text.Clean(w.Text)
		j := strings.Index(t[at:], wt)
		if wt == "" || j < 0 {
			continue
		}
		first := utf8.RuneCountInString(t[:at+j])
		for k := range utf8.RuneCountInString(wt) {
			wordOf[first+k] = i
		}
		at += j + len(wt)
	}
	return wordOf, starts
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
type lyricState struct{ cur, gain, sung, next, nextGain, dots, dotsGain, label, labelGain int }

// state returns what frame i shows.
func (ls *Lyrics) state(i int) lyricState {
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
		if n := c + 1; n < len(ls.lines) && ls.lines[n].start-line.end < ls.join {
			s.next, s.nextGain = n+1, s.gain
		}
		return s
	}
	var s lyricState
	if n := c + 1; n < len(ls.lines) {
		next := &ls.lines[n]
		if next.start-i <= ls.preroll {
			s.next, s.nextGain = n+1, fade(i, next.start-ls.preroll, next.start+lyricFade)
		}
		dotsFrom := next.start - countdown*ls.fps
		if left := next.start - i; next.dots && left <= countdown*ls.fps {
			s.dots = (left + ls.fps - 1) / ls.fps // 3, 2, 1: whole seconds to go, rounded up
			s.dotsGain = fade(i, dotsFrom, next.start)
		}
		// Before the dots, a break shows the name of the section it is in,
		// when the song marks one after the line sung before it.
		if next.dots && i < dotsFrom {
			from := 0 // the break's first frame
			if c >= 0 {
				from = ls.lines[c].end
			}
			k := sort.Search(len(ls.sections), func(k int) bool { return ls.sections[k].start > i }) - 1
			if k >= 0 && (c < 0 || ls.sections[k].start > ls.lines[c].start) {
				s.label, s.labelGain = k+1, fade(i, max(from, ls.sections[k].start), dotsFrom)
			}
		}
	}
	return s
}

// Shown is what a frame shows of the lyrics (the zero value: nothing),
// and where it drew them. A theme keeps one with each frame (in its
// State) for Update.
type Shown struct {
	state lyricState
	rects []yuv.Rect
}

// Update brings the lyrics frame f shows (as shown says) to frame i's:
// when they differ, it restores where f's lyrics were from the still
// picture and draws frame i's. Most frames show what the frame before did
// (a line stays for seconds; its words light up a few times a second), and
// then nothing is drawn. The lyrics' box overlaps nothing else drawn per
// frame (see LyricsStyle), so its rects are kept apart from f.Dirty.
func (ls *Lyrics) Update(f *yuv.Frame, shown *Shown, still *yuv.Frame, i int) {
	s := ls.state(i)
	if s == shown.state {
		return
	}
	for _, r := range shown.rects {
		f.CopyRect(still, r)
	}
	others := f.Dirty
	f.Dirty = shown.rects[:0]
	ls.draw(f, s)
	shown.rects, f.Dirty, shown.state = f.Dirty, others, s
}

// draw draws the lyrics of state s into f.
func (ls *Lyrics) draw(f *yuv.Frame, s lyricState) {
	y := ls.box.Y
	if s.cur > 0 {
		line := &ls.lines[s.cur-1]
		m := ls.masks(s.cur - 1)
		ls.drawLine(f, line, m.cur, s.sung, y, s.gain)
		if s.next > 0 {
			ls.drawNext(f, ls.masks(s.next-1).next, y+m.cur.H+ls.gap, s.nextGain)
		}
		return
	}
	if s.next > 0 {
		m := ls.masks(s.next - 1)
		ls.drawNext(f, m.next, y+m.cur.H+ls.gap, s.nextGain)
	}
	if s.dots > 0 {
		ls.drawDots(f, s.dots, s.dotsGain)
	}
	if s.label > 0 {
		ls.drawNext(f, ls.label(s.label-1), y, s.labelGain*labelAlpha/nextAlpha)
	}
}

// label returns section k's name laid out as a next line is: the regular
// face at the next line's size.
func (ls *Lyrics) label(k int) *text.Mask {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if m, ok := ls.labels[k]; ok {
		return m
	}
	st, name := ls.st, ls.sections[k].name
	laid, size := ls.small.Layout(name, st.NextSize, st.NextSize, st.Box.W, 1)
	m := text.Empty(nil)
	if len(laid) > 0 {
		m = ls.small.Render(name, laid, size, st.Box.W, st.Centre, nil, 0).Crop()
	}
	ls.labels[k] = m
	return m
}

// drawDots draws the countdown's first n dots where the sung line starts:
// three places a dot and a half apart, the last going first, as karaoke
// players count in a singer.
func (ls *Lyrics) drawDots(f *yuv.Frame, n, g int) {
	d := ls.dot.W
	step := d * 5 / 2 &^ 1
	x := ls.box.X
	if ls.st.Centre {
		x += (ls.box.W - (countdown-1)*step - d) / 2 &^ 1
	}
	y := ls.box.Y + (text.MaskHeight(ls.st.Size, 1)-d)/2&^1
	for k := range n {
		f.BlendSprite(x+k*step+ls.shadow, y+ls.shadow, ls.dot, yuv.Black, shadowAlpha*g>>8)
		f.BlendSprite(x+k*step, y, ls.dot, yuv.White, dotAlpha*g>>8)
	}
}

// drawLine draws the sung line's mask m at y with gain g: its first sung
// words bright, the others dimmer; a line without word times all bright.
func (ls *Lyrics) drawLine(f *yuv.Frame, line *lyricLine, m *text.Mask, sung, y, g int) {
	x := ls.box.X + m.X
	all := yuv.Rect{W: m.W, H: m.H}
	f.BlendMask(x+ls.shadow, y+ls.shadow, &m.Mask, all, yuv.Black, shadowAlpha*g>>8)
	if len(line.words) == 0 {
		f.BlendMask(x, y, &m.Mask, all, yuv.White, g)
		return
	}
	f.BlendMask(x, y, &m.Mask, all, yuv.White, unsungAlpha*g>>8)
	// Blending white again over the dim text brightens it to white where
	// the mask is full.
	for w := range sung {
		for _, r := range m.Words[w] {
			f.BlendMask(x, y, &m.Mask, r, yuv.White, g)
		}
	}
}

// drawNext draws the mask m of the line to be sung next, dim, at y.
func (ls *Lyrics) drawNext(f *yuv.Frame, m *text.Mask, y, g int) {
	if y+m.H+ls.shadow > ls.box.Y+ls.box.H {
		return
	}
	x := ls.box.X + m.X
	all := yuv.Rect{W: m.W, H: m.H}
	f.BlendMask(x+ls.shadow/2&^1, y+ls.shadow/2&^1, &m.Mask, all, yuv.Black, shadowAlpha*g>>9)
	f.BlendMask(x, y, &m.Mask, all, yuv.White, nextAlpha*g>>8)
}
