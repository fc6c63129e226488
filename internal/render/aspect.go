package render

import "github.com/mvgen/mvgen/internal/task"

// Aspect is the shape of a video (the domain's task.Aspect, which parses
// it): "16:9" (1280×720), "1:1" (1080×1080) or "9:16" (720×1280). Each has
// its own layout, not a crop of another.
type Aspect task.Aspect

// The supported aspects.
const (
	Landscape = Aspect(task.Landscape) // 1280×720, the default
	Square    = Aspect(task.Square)    // 1080×1080
	Portrait  = Aspect(task.Portrait)  // 720×1280
)

// Size returns the width and height of a video of aspect a, in pixels; an
// unknown aspect has the default's.
func (a Aspect) Size() (width, height int) {
	l := layoutFor(a)
	return l.W, l.H
}

// rect is a rectangle of the frame in luma pixels. Every rect the renderer
// draws into has even coordinates and sizes, so it covers whole chroma
// samples.
type rect struct{ X, Y, W, H int }

func (r rect) empty() bool { return r.W <= 0 || r.H <= 0 }

// layout places every element of one aspect's design. All sizes are in
// pixels; y values named …Base are text baselines.
type layout struct {
	W, H int
	Art  rect // the cover art, square
	Halo int  // width of the pulse's glow around the art

	CenterText bool // centre the text lines on TextX+TextW/2; else left-align them at TextX
	TextX      int  // left edge of the text column
	TextW      int  // width of the text column

	TitleMax, TitleMin int // title font sizes: the largest that fits, down to TitleMin
	TitleLines         int // the title wraps onto at most this many lines
	TitleBase          int // baseline of the first title line

	AuthorSize, AuthorGap int // the author under the title: size, baseline below the title's last
	CardMax, CardMin      int // the author on the intro card: font size range
	CardGap               int // the card's baseline below the title's last

	Bars     rect // the band the bars grow in; its bottom edge is their baseline
	BarCount int
	BarGap   int // pixels between two bars
	Reflect  int // height of the bars' reflection under the baseline

	Progress rect // the progress line's track
	TimeSize int  // font size of the elapsed and total times
	TimeBase int  // their baseline

	MarkSize int // the watermark's font size
	MarkBase int // its baseline
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
// 1:1 and 9:16 stack the same elements in one centred column: cover, title,
// author, bars, progress line with times, watermark.
func layoutFor(a Aspect) layout {
	switch a {
	case Square:
		return layout{
			W: 1080, H: 1080, Art: rect{300, 70, 480, 480}, Halo: 18,
			CenterText: true, TextX: 60, TextW: 960,
			TitleMax: 48, TitleMin: 32, TitleLines: 2, TitleBase: 624,
			AuthorSize: 30, AuthorGap: 48, CardMax: 60, CardMin: 30, CardGap: 74,
			Bars: rect{140, 792, 800, 108}, BarCount: 40, BarGap: 6, Reflect: 28,
			Progress: rect{140, 950, 800, 4}, TimeSize: 24, TimeBase: 992,
			MarkSize: 22, MarkBase: 1052,
		}
	case Portrait:
		return layout{
			W: 720, H: 1280, Art: rect{80, 150, 560, 560}, Halo: 18,
			CenterText: true, TextX: 40, TextW: 640,
			TitleMax: 46, TitleMin: 30, TitleLines: 3, TitleBase: 796,
			AuthorSize: 30, AuthorGap: 48, CardMax: 60, CardMin: 30, CardGap: 74,
			Bars: rect{80, 1018, 560, 110}, BarCount: 28, BarGap: 6, Reflect: 24,
			Progress: rect{80, 1170, 560, 4}, TimeSize: 24, TimeBase: 1210,
			MarkSize: 20, MarkBase: 1254,
		}
	}
	return layout{
		W: 1280, H: 720, Art: rect{80, 80, 400, 400}, Halo: 16,
		TextX: 540, TextW: 660,
		TitleMax: 50, TitleMin: 34, TitleLines: 3, TitleBase: 150,
		AuthorSize: 30, AuthorGap: 50, CardMax: 64, CardMin: 30, CardGap: 80,
		Bars: rect{80, 530, 1120, 110}, BarCount: 56, BarGap: 6, Reflect: 30,
		Progress: rect{540, 430, 660, 4}, TimeSize: 24, TimeBase: 472,
		MarkSize: 20, MarkBase: 702,
	}
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
