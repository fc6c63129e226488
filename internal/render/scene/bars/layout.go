package bars

import (
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// layoutAt returns the bars look's default layout of aspect a at
// resolution r, without lyrics (9:16's is the platform-safe one).
func layoutAt(a mvgen.Aspect, r mvgen.Resolution) layout { return layoutWith(a, r, false, false) }

// layoutWith returns the bars look's layout of aspect a at resolution r
// (see look.layout).
func layoutWith(a mvgen.Aspect, r mvgen.Resolution, lyrics, fullFrame bool) layout {
	return lookBars.layout(a, r, lyrics, fullFrame)
}

// barsLayout720 returns the bars look's layout of aspect a at 720p, with
// room for lyrics or not, and for 9:16 inside the platform-safe box box
// unless fullFrame.
func barsLayout720(a mvgen.Aspect, lyrics, fullFrame bool, box yuv.Rect) layout {
	l := layoutFor(a)
	if lyrics {
		l = lyricLayout(a)
	}
	if a == mvgen.Portrait && !fullFrame {
		l = safePortrait(box, lyrics)
	}
	return l
}

// scaled returns l with every length multiplied by num/den and rounded to
// an even number, so that rects still cover whole chroma samples.
func (l layout) scaled(num, den int) layout {
	s := func(v int) int { return (v*num/den + 1) &^ 1 }
	r := func(v yuv.Rect) yuv.Rect { return yuv.Rect{X: s(v.X), Y: s(v.Y), W: s(v.W), H: s(v.H)} }
	return layout{
		W: s(l.W), H: s(l.H), Art: r(l.Art), Halo: s(l.Halo),
		CenterText: l.CenterText, TextX: s(l.TextX), TextW: s(l.TextW),
		TitleMax: s(l.TitleMax), TitleMin: s(l.TitleMin), TitleLines: l.TitleLines, TitleBase: s(l.TitleBase),
		AuthorSize: s(l.AuthorSize), AuthorGap: s(l.AuthorGap), CardMax: s(l.CardMax), CardMin: s(l.CardMin),
		CardGap: s(l.CardGap),
		Bars:    r(l.Bars), BarCount: l.BarCount, BarGap: s(l.BarGap), Reflect: s(l.Reflect),
		Progress: r(l.Progress), TimeSize: s(l.TimeSize), TimeBase: s(l.TimeBase),
		MarkSize: s(l.MarkSize), MarkBase: s(l.MarkBase), MarkX: s(l.MarkX), MarkW: s(l.MarkW), CutAuthor: l.CutAuthor,
		Shadow: s(l.Shadow), Drop: s(l.Drop), Dot: s(l.Dot), MarkPad: s(l.MarkPad),
		Lyrics: r(l.Lyrics), LyricSize: s(l.LyricSize), LyricMin: s(l.LyricMin), LyricLines: l.LyricLines,
		NextSize: s(l.NextSize), CentreLyrics: l.CentreLyrics, Music: l.Music, Round: l.Round,
	}
}

// layout places every element of one aspect's design. All sizes are in
// pixels; y values named …Base are text baselines. Every rect the theme
// draws into has even coordinates and sizes, so that it covers whole
// chroma samples (TestLayouts checks).
type layout struct {
	W, H int
	Art  yuv.Rect // the cover art, square
	Halo int      // width of the pulse's glow around the art

	CenterText bool // centre the text lines on TextX+TextW/2; else left-align them at TextX
	TextX      int  // left edge of the text column
	TextW      int  // width of the text column

	TitleMax, TitleMin int // title font sizes: the largest that fits, down to TitleMin
	TitleLines         int // the title wraps onto at most this many lines
	TitleBase          int // baseline of the first title line

	AuthorSize, AuthorGap int // the author under the title: size, baseline below the title's last
	CardMax, CardMin      int // the author on the intro card: font size range
	CardGap               int // the card's baseline below the title's last

	Bars     yuv.Rect // the band the bars grow in; its bottom edge is their baseline
	BarCount int
	BarGap   int // pixels between two bars
	Reflect  int // height of the bars' reflection under the baseline

	Progress yuv.Rect // the progress line's track
	TimeSize int      // font size of the elapsed and total times
	TimeBase int      // their baseline

	MarkSize int // the watermark's font size
	MarkBase int // its baseline
	MarkPad  int // the padding of its box
	// MarkX and MarkW are the column the watermark is centred in, its
	// box's padding included; MarkW 0 is the frame less markMargin on
	// each side.
	MarkX, MarkW int
	// CutAuthor cuts the author to what fits the text column at the
	// card's smallest size (the platform-safe layout: nothing may leave
	// the box); the other layouts let a long one run past the column.
	CutAuthor bool

	Shadow int // how far the art's shadow reaches around it
	Drop   int // how far the shadow sits below the art
	Dot    int // the diameter of the progress line's head

	// Lyrics is the lyrics' area (empty in a layout without lyrics): the
	// line being sung at its top, in bold at LyricSize (shrinking to
	// LyricMin, wrapping onto up to LyricLines lines), and the next line
	// under it at NextSize.
	Lyrics               yuv.Rect
	LyricSize, LyricMin  int
	LyricLines, NextSize int
	// CentreLyrics centres the lyrics in their area even when the text
	// column is left-aligned.
	CentreLyrics bool

	// Music is what moves with the music in the Bars rect: the bars, the
	// wave's ribbon or the radial look's ring (see music).
	Music music
	// Round draws the cover as a disc (its glow a ring), not a rounded
	// square.
	Round bool
}

// lyricLayout returns the layout of aspect a (at 720p) with room for
// lyrics: the cover and the title give up some of their space to an area
// between the author and the bars (the progress line, in 16:9), which
// nothing else draws into.
//
// 16:9, 1280×720: the title takes two lines, the lyrics the rest of the
// text column above the progress line.
//
//	┌──────────────────────────────────────────────┐
//	│  ┌────────┐   Title line 1                    │
//	│  │        │   Author                          │
//	│  │ cover  │   The line being sung, large      │
//	│  │        │   the next line, dimmer           │
//	│  │        │   ━━━━━━━━━━━━━○─────────────────  │
//	│  └────────┘   1:23                      3:00  │
//	│  ▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇  │
//	│                 [ domain ]                    │
//	└──────────────────────────────────────────────┘
//
// 1:1, 9:16 and 4:5 shrink the cover and put the lyrics, centred, between
// the author and the bars.
func lyricLayout(a mvgen.Aspect) layout {
	l := layoutFor(a)
	switch a {
	case mvgen.Square:
		l.Art, l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = yuv.Rect{X: 380, Y: 50, W: 320, H: 320}, 44, 30, 2, 432
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = 28, 44, 56, 28, 70
		l.Lyrics, l.LyricSize, l.LyricMin, l.LyricLines, l.NextSize = yuv.Rect{X: 60, Y: 596, W: 960, H: 180}, 46, 30, 2, 32
	case mvgen.Portrait:
		l.Art, l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = yuv.Rect{X: 170, Y: 100, W: 380, H: 380}, 40, 28, 2, 540
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = 28, 44, 52, 28, 66
		l.Lyrics, l.LyricSize, l.LyricMin, l.LyricLines, l.NextSize = yuv.Rect{X: 40, Y: 700, W: 640, H: 300}, 46, 30, 3, 32
	case mvgen.Feed:
		l.Art, l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = yuv.Rect{X: 360, Y: 60, W: 360, H: 360}, 46, 30, 2, 490
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = 28, 44, 56, 28, 70
		l.Lyrics, l.LyricSize, l.LyricMin, l.LyricLines, l.NextSize = yuv.Rect{X: 60, Y: 660, W: 960, H: 240}, 50, 32, 2, 34
	default:
		l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = 44, 32, 2, 130
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = 28, 44, 56, 28, 70
		l.Lyrics, l.LyricSize, l.LyricMin, l.LyricLines, l.NextSize = yuv.Rect{X: 540, Y: 292, W: 660, H: 126}, 34, 24, 2, 24
	}
	return l
}

// layoutFor returns the layout of aspect a (the default's when a is unknown).
//
// 16:9, 1280×720:
//
//	┌──────────────────────────────────────────────┐
//	│  ┌────────┐   Title line 1                    │
//	│  │        │   Title line 2                    │
//	│  │ cover  │   Author (large for the first 4 s)│
//	│  │        │                                   │
//	│  │        │   ━━━━━━━━━━━━━○─────────────────  │
//	│  └────────┘   1:23                      3:00  │
//	│  ▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂▅▇  │
//	│                 [ domain ]                    │
//	└──────────────────────────────────────────────┘
//
// 1:1, 9:16 and 4:5 (1080×1350) stack the same elements in one centred
// column: cover, title, author, bars, progress line with times, watermark.
func layoutFor(a mvgen.Aspect) layout {
	switch a {
	case mvgen.Feed:
		return layout{
			W: 1080, H: 1350, Art: yuv.Rect{X: 270, Y: 90, W: 540, H: 540}, Halo: 18,
			CenterText: true, TextX: 60, TextW: 960,
			TitleMax: 52, TitleMin: 34, TitleLines: 2, TitleBase: 716,
			AuthorSize: 30, AuthorGap: 50, CardMax: 64, CardMin: 30, CardGap: 78,
			Bars: yuv.Rect{X: 140, Y: 930, W: 800, H: 130}, BarCount: 40, BarGap: 6, Reflect: 32,
			Progress: yuv.Rect{X: 140, Y: 1142, W: 800, H: 4}, TimeSize: 26, TimeBase: 1186,
			MarkSize: 24, MarkBase: 1310, MarkPad: 8,
			Shadow: 40, Drop: 12, Dot: 12,
		}
	case mvgen.Square:
		return layout{
			W: 1080, H: 1080, Art: yuv.Rect{X: 300, Y: 70, W: 480, H: 480}, Halo: 18,
			CenterText: true, TextX: 60, TextW: 960,
			TitleMax: 48, TitleMin: 32, TitleLines: 2, TitleBase: 624,
			AuthorSize: 30, AuthorGap: 48, CardMax: 60, CardMin: 30, CardGap: 74,
			Bars: yuv.Rect{X: 140, Y: 792, W: 800, H: 108}, BarCount: 40, BarGap: 6, Reflect: 28,
			Progress: yuv.Rect{X: 140, Y: 950, W: 800, H: 4}, TimeSize: 24, TimeBase: 992,
			MarkSize: 22, MarkBase: 1052, MarkPad: 8,
			Shadow: 40, Drop: 12, Dot: 12,
		}
	case mvgen.Portrait:
		return layout{
			W: 720, H: 1280, Art: yuv.Rect{X: 80, Y: 150, W: 560, H: 560}, Halo: 18,
			CenterText: true, TextX: 40, TextW: 640,
			TitleMax: 46, TitleMin: 30, TitleLines: 3, TitleBase: 796,
			AuthorSize: 30, AuthorGap: 48, CardMax: 60, CardMin: 30, CardGap: 74,
			Bars: yuv.Rect{X: 80, Y: 1018, W: 560, H: 110}, BarCount: 28, BarGap: 6, Reflect: 24,
			Progress: yuv.Rect{X: 80, Y: 1170, W: 560, H: 4}, TimeSize: 24, TimeBase: 1210,
			MarkSize: 20, MarkBase: 1254, MarkPad: 8,
			Shadow: 40, Drop: 12, Dot: 12,
		}
	}
	return layout{
		W: 1280, H: 720, Art: yuv.Rect{X: 80, Y: 80, W: 400, H: 400}, Halo: 16,
		TextX: 540, TextW: 660,
		TitleMax: 50, TitleMin: 34, TitleLines: 3, TitleBase: 150,
		AuthorSize: 30, AuthorGap: 50, CardMax: 64, CardMin: 30, CardGap: 80,
		Bars: yuv.Rect{X: 80, Y: 530, W: 1120, H: 110}, BarCount: 56, BarGap: 6, Reflect: 30,
		Progress: yuv.Rect{X: 540, Y: 430, W: 660, H: 4}, TimeSize: 24, TimeBase: 472,
		MarkSize: 20, MarkBase: 702, MarkPad: 8,
		Shadow: 40, Drop: 12, Dot: 12,
	}
}

// safePortrait returns 9:16's layout at 720×1280 inside box, the
// platform-safe box (x 80–592, y 192–832): the cover, the title, the author
// (and the lyrics), the progress line with its times and the watermark in
// one centred column inside it, and the bars under it, where the apps'
// captions may cover them.
//
//	┌────────────────────┐
//	│ ┌┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┐ │ ← y 192: under the apps' top band
//	│ ┊    ┌──────┐    ┊ │
//	│ ┊    │cover │    ┊ │
//	│ ┊    └──────┘    ┊ │
//	│ ┊     Title      ┊ │
//	│ ┊     Author     ┊ │
//	│ ┊  (the lyrics)  ┊ │
//	│ ┊ ━━━━━○──────── ┊ │
//	│ ┊ 1:23      3:00 ┊ │
//	│ ┊   [ domain ]   ┊ │
//	│ └┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┘ │ ← y 832: the captions start below
//	│  ▂▅▇▃▆▂▅▇▃▆▂▅▇▃▆▂  │
//	└────────────────────┘
//	   x 80        x 592: the buttons' column is to the right
func safePortrait(box yuv.Rect, lyrics bool) layout {
	right, bottom := box.X+box.W, box.Y+box.H
	l := layout{
		W: 720, H: 1280, Halo: 16,
		CenterText: true, TextX: box.X, TextW: box.W,
		Bars: yuv.Rect{X: 80, Y: bottom + 28, W: 560, H: 120}, BarCount: 28, BarGap: 6, Reflect: 24,
		Progress: yuv.Rect{X: box.X + 20, Y: bottom - 84, W: box.W - 40, H: 4}, TimeSize: 22, TimeBase: bottom - 50,
		MarkSize: 18, MarkBase: bottom - 14, MarkPad: 6, MarkX: box.X, MarkW: right - box.X, CutAuthor: true,
		Shadow: 40, Drop: 12, Dot: 12,
	}
	if !lyrics {
		l.Art = yuv.Rect{X: box.X + (box.W-320)/2, Y: box.Y + 20, W: 320, H: 320}
		l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = 40, 26, 2, box.Y+402
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = 26, 40, 48, 26, 62
		return l
	}
	l.Art, l.Halo = yuv.Rect{X: box.X + (box.W-200)/2, Y: box.Y + 12, W: 200, H: 200}, 14
	l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = 32, 24, 2, box.Y+258
	l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = 22, 34, 40, 22, 52
	l.Lyrics, l.LyricSize, l.LyricMin, l.LyricLines, l.NextSize = yuv.Rect{X: box.X, Y: box.Y + 384, W: box.W - 4, H: 160}, 34, 24, 2, 24
	return l
}

// markColumn returns the left edge and width of the column the
// watermark's text is centred in (its box's padding outside it).
func (l layout) markColumn() (x, w int) {
	if l.MarkW == 0 {
		return markMargin, l.W - 2*markMargin
	}
	return l.MarkX + l.MarkPad, l.MarkW - 2*l.MarkPad
}

// barWidth is the width of one bar, even, so that bars cover whole chroma
// samples.
func (l layout) barWidth() int {
	return ((l.Bars.W/l.BarCount - l.BarGap) / 2) * 2
}

// barX is the left edge of bar i.
func (l layout) barX(i int) int {
	pitch := l.Bars.W / l.BarCount
	x := l.Bars.X + (l.Bars.W-pitch*l.BarCount)/2 + i*pitch + l.BarGap/2
	return x &^ 1
}

// lyricsStyle is where and how large the layout shows the lyrics.
func (l layout) lyricsStyle() scene.LyricsStyle {
	return scene.LyricsStyle{Box: l.Lyrics, Size: l.LyricSize, Min: l.LyricMin, Lines: l.LyricLines,
		NextSize: l.NextSize, Centre: l.CenterText || l.CentreLyrics}
}
