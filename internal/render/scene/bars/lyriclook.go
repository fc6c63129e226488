package bars

import (
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// lyricLook720 returns the lyric look's layout of aspect a at 720p, for
// 9:16 inside the platform-safe box box unless fullFrame. With lyrics,
// they are the picture: large, centred, over the blurred cover; the cover
// is small in the top left corner with the title and the author beside
// it, left-aligned; a thin line of bars and the progress line with its
// times run under the lyrics, and the watermark at the bottom.
//
//	┌──────────────────────────────────────────────┐
//	│ ┌──┐ Title                                    │
//	│ └──┘ Author                                   │
//	│                                               │
//	│        The line being sung, large             │
//	│            the next line, dimmer              │
//	│                                               │
//	│    ▁▂▃▂▁▂▃▄▃▂▁▂▃▂▁▂▃▄▃▂▁▂▃▂▁▂▃▄▃▂▁▂▃▂▁▂▃▄▃     │
//	│    ━━━━━━━━━━━━━━━━━○─────────────────────     │
//	│    1:23                              3:00     │
//	│                 [ domain ]                    │
//	└──────────────────────────────────────────────┘
//
// Without lyrics the title and the author take their place, large and
// centred, and the cover stays in its corner. In 9:16's safe box the thin
// bars stand under the box.
func lyricLook720(a mvgen.Aspect, lyrics, fullFrame bool, box yuv.Rect) layout {
	p, b := lyricPlans[a], yuv.Rect{W: 1280, H: 720}
	if a == mvgen.Feed {
		p = lyricPlans[mvgen.Square].taller(270)
	}
	switch {
	case a == mvgen.Portrait && !fullFrame:
		p, b = safeLyricPlan, box
	case a == mvgen.Portrait:
		b = yuv.Rect{W: 720, H: 1280}
	case a == mvgen.Square || a == mvgen.Feed:
		b = yuv.Rect{W: 1080, H: 1080 + p.dy}
	}
	w, h := 1280, 720
	if a != mvgen.Landscape {
		w, h = scene.Size(a, mvgen.HD)
	}
	at := func(r yuv.Rect) yuv.Rect { return yuv.Rect{X: b.X + r.X, Y: b.Y + r.Y, W: r.W, H: r.H} }
	art := at(p.art)
	l := layout{W: w, H: h, Art: art, Halo: p.halo, TextX: art.X + art.W + 32,
		Lyrics: at(p.lyrics), LyricSize: p.lyric[0], LyricMin: p.lyric[1], LyricLines: p.lyric[2], NextSize: p.lyric[3],
		CentreLyrics: true, Bars: at(p.bars), BarCount: p.barCount, BarGap: 4,
		Progress: at(yuv.Rect{X: p.bars.X, Y: p.progress, W: p.bars.W, H: 4}), TimeSize: p.time[0],
		TimeBase: b.Y + p.progress + p.time[1], MarkSize: p.mark[0], MarkPad: p.mark[1], MarkBase: b.Y + b.H - p.mark[2],
		Shadow: 16, Drop: 6, Dot: 12,
	}
	l.TextW = b.X + b.W - art.X + b.X - l.TextX
	if b.X != 0 { // the safe box: the watermark and the author stay in it
		l.MarkX, l.MarkW, l.CutAuthor = b.X, b.W, true
	}
	t := p.title
	l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = t[0], t[1], 1, b.Y+t[2]
	l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = t[3], t[5], t[4], t[3], t[5]
	if !lyrics {
		c := p.big
		l.CenterText, l.TextX, l.TextW, l.Lyrics = true, l.Lyrics.X, l.Lyrics.W, yuv.Rect{}
		l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = c[0], c[1], c[2], b.Y+c[3]
		l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = c[4], c[5], c[6], c[4], c[7]
	}
	return l
}

// lyricPlan is the lyric look's layout of one aspect at 720p, in its box
// (the frame, or 9:16's safe box): rects are from the box's top left, and
// the texts beside the cover start 32 pixels right of it.
type lyricPlan struct {
	dy       int      // 4:5 is 1:1 with dy more rows
	art      yuv.Rect // the cover in the corner
	halo     int
	title    [6]int // beside the cover: the title's largest and smallest size and baseline; the author's size, on the card, and gap
	lyrics   yuv.Rect
	lyric    [4]int // the sung line's size, smallest size and lines; the next line's size
	bars     yuv.Rect
	barCount int
	progress int    // the progress line's row (it spans the bars' width)
	time     [2]int // the times' size and baseline under the progress line
	mark     [3]int // the watermark's size, padding, and baseline above the box's bottom
	// big is the title and author without lyrics, centred in the lyrics'
	// column: the title's largest and smallest size, lines and first
	// baseline; the author's size and gap, on the card and its gap.
	big [8]int
}

// lyricPlans are the lyric look's layouts but 9:16's in the safe box and
// 4:5's, 1:1's made taller.
var lyricPlans = map[mvgen.Aspect]lyricPlan{
	mvgen.Landscape: {art: yuv.Rect{X: 60, Y: 50, W: 120, H: 120}, halo: 10, title: [6]int{34, 26, 98, 24, 36, 36},
		lyrics: yuv.Rect{X: 120, Y: 220, W: 1040, H: 250}, lyric: [4]int{60, 40, 2, 38},
		bars: yuv.Rect{X: 120, Y: 500, W: 1040, H: 44}, barCount: 80, progress: 600, time: [2]int{22, 40},
		mark: [3]int{20, 8, 18}, big: [8]int{72, 44, 2, 260, 36, 64, 64, 96}},
	mvgen.Square: {art: yuv.Rect{X: 60, Y: 60, W: 140, H: 140}, halo: 12, title: [6]int{40, 28, 118, 26, 40, 40},
		lyrics: yuv.Rect{X: 60, Y: 300, W: 960, H: 380}, lyric: [4]int{64, 40, 3, 40},
		bars: yuv.Rect{X: 100, Y: 800, W: 880, H: 60}, barCount: 80, progress: 930, time: [2]int{24, 42},
		mark: [3]int{22, 8, 28}, big: [8]int{84, 48, 2, 440, 40, 72, 64, 100}},
	mvgen.Portrait: {art: yuv.Rect{X: 40, Y: 60, W: 120, H: 120}, halo: 10, title: [6]int{34, 24, 104, 24, 36, 36},
		lyrics: yuv.Rect{X: 40, Y: 320, W: 640, H: 520}, lyric: [4]int{54, 34, 4, 36},
		bars: yuv.Rect{X: 60, Y: 980, W: 600, H: 56}, barCount: 60, progress: 1120, time: [2]int{24, 42},
		mark: [3]int{20, 8, 26}, big: [8]int{64, 40, 3, 500, 36, 60, 56, 84}},
}

// taller returns p for a box dy rows taller (4:5 from 1:1): the lyrics
// gain a third of them, the title's area above them too, and the bars,
// the progress line and the watermark move down.
func (p lyricPlan) taller(dy int) lyricPlan {
	p.dy = dy
	p.lyrics.Y, p.lyrics.H, p.big[3] = p.lyrics.Y+dy/3, p.lyrics.H+dy/3, p.big[3]+dy/3
	p.bars.Y, p.progress, p.mark[2] = p.bars.Y+dy*3/4, p.progress+dy, p.mark[2]+12
	return p
}

// safeLyricPlan is the lyric look's 9:16 layout in the safe box (512×640
// at 720p); the thin bars stand under it, as the bars look's do, where the
// apps' captions may cover them.
var safeLyricPlan = lyricPlan{art: yuv.Rect{X: 10, Y: 10, W: 96, H: 96}, halo: 8, title: [6]int{30, 22, 46, 22, 32, 32},
	lyrics: yuv.Rect{X: 0, Y: 170, W: 508, H: 360}, lyric: [4]int{44, 30, 3, 30},
	bars: yuv.Rect{X: 20, Y: 688, W: 472, H: 56}, barCount: 48, progress: 556, time: [2]int{22, 34},
	mark: [3]int{18, 6, 14}, big: [8]int{52, 32, 3, 240, 30, 50, 44, 66}}
