package bars

import (
	"github.com/mvgen/mvgen/internal/mvgen"
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
// centred, and the cover stays in its corner.
func lyricLook720(a mvgen.Aspect, lyrics, fullFrame bool, box yuv.Rect) layout {
	var l layout
	switch {
	case a == mvgen.Portrait && !fullFrame:
		right, bottom := box.X+box.W, box.Y+box.H
		l = layout{W: 720, H: 1280, Art: yuv.Rect{X: box.X + 8, Y: box.Y + 12, W: 96, H: 96}, Halo: 8,
			TextX: box.X + 132, TextW: right - box.X - 132,
			Lyrics: yuv.Rect{X: box.X, Y: box.Y + 170, W: box.W - 4, H: 296}, LyricSize: 44, LyricMin: 30, LyricLines: 3,
			NextSize: 30,
			Bars:     yuv.Rect{X: box.X + 20, Y: bottom - 160, W: box.W - 40, H: 40}, BarCount: 48, BarGap: 4,
			Progress: yuv.Rect{X: box.X + 20, Y: bottom - 84, W: box.W - 40, H: 4}, TimeSize: 22, TimeBase: bottom - 50,
			MarkSize: 18, MarkBase: bottom - 14, MarkPad: 6, MarkX: box.X, MarkW: right - box.X, CutAuthor: true,
		}
		l.headline(30, 22, box.Y+46, 22, 32, 32)
		if !lyrics {
			l.centred(box.X, box.W, 52, 32, 3, box.Y+240, 30, 50, 44, 66)
		}
	case a == mvgen.Portrait:
		l = layout{W: 720, H: 1280, Art: yuv.Rect{X: 40, Y: 60, W: 120, H: 120}, Halo: 10,
			TextX: 192, TextW: 488,
			Lyrics: yuv.Rect{X: 40, Y: 320, W: 640, H: 520}, LyricSize: 54, LyricMin: 34, LyricLines: 4, NextSize: 36,
			Bars: yuv.Rect{X: 60, Y: 980, W: 600, H: 56}, BarCount: 60, BarGap: 4,
			Progress: yuv.Rect{X: 60, Y: 1120, W: 600, H: 4}, TimeSize: 24, TimeBase: 1162,
			MarkSize: 20, MarkBase: 1254, MarkPad: 8,
		}
		l.headline(34, 24, 104, 24, 36, 36)
		if !lyrics {
			l.centred(40, 640, 64, 40, 3, 500, 36, 60, 56, 84)
		}
	case a == mvgen.Square || a == mvgen.Feed:
		dy := 0 // 4:5 is 1:1 with 270 more rows, shared out
		if a == mvgen.Feed {
			dy = 270
		}
		l = layout{W: 1080, H: 1080 + dy, Art: yuv.Rect{X: 60, Y: 60, W: 140, H: 140}, Halo: 12,
			TextX: 228, TextW: 792,
			Lyrics: yuv.Rect{X: 60, Y: 300 + dy/3, W: 960, H: 380 + dy/3}, LyricSize: 64, LyricMin: 40, LyricLines: 3,
			NextSize: 40,
			Bars:     yuv.Rect{X: 100, Y: 800 + dy*3/4, W: 880, H: 60}, BarCount: 80, BarGap: 4,
			Progress: yuv.Rect{X: 100, Y: 930 + dy, W: 880, H: 4}, TimeSize: 24, TimeBase: 972 + dy,
			MarkSize: 22, MarkBase: 1052 + dy, MarkPad: 8,
		}
		l.headline(40, 28, 118, 26, 40, 40)
		if !lyrics {
			l.centred(60, 960, 84, 48, 2, 440+dy/3, 40, 72, 64, 100)
		}
	default:
		l = layout{W: 1280, H: 720, Art: yuv.Rect{X: 60, Y: 50, W: 120, H: 120}, Halo: 10,
			TextX: 212, TextW: 700,
			Lyrics: yuv.Rect{X: 120, Y: 220, W: 1040, H: 250}, LyricSize: 60, LyricMin: 40, LyricLines: 2, NextSize: 38,
			Bars: yuv.Rect{X: 120, Y: 500, W: 1040, H: 44}, BarCount: 80, BarGap: 4,
			Progress: yuv.Rect{X: 120, Y: 600, W: 1040, H: 4}, TimeSize: 22, TimeBase: 640,
			MarkSize: 20, MarkBase: 702, MarkPad: 8,
		}
		l.headline(34, 26, 98, 24, 36, 36)
		if !lyrics {
			l.centred(120, 1040, 72, 44, 2, 260, 36, 64, 64, 96)
		}
	}
	l.CentreLyrics, l.Shadow, l.Drop, l.Dot = true, 16, 6, 12
	if !lyrics {
		l.Lyrics = yuv.Rect{}
	}
	return l
}

// headline sets the title's line beside the corner's cover (one line,
// size titleMax down to titleMin, at baseline base) and the author's under
// it (size author, cardMax on the intro card, both gap below).
func (l *layout) headline(titleMax, titleMin, base, author, cardMax, gap int) {
	l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = titleMax, titleMin, 1, base
	l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = author, gap, cardMax, author, gap
}

// centred sets a large title centred in the column x…x+w (sizes titleMax
// down to titleMin, on up to lines lines from baseline base) and the
// author under it (size author, gap below the title's last line; cardMax
// on the intro card, cardGap below).
func (l *layout) centred(x, w, titleMax, titleMin, lines, base, author, gap, cardMax, cardGap int) {
	l.CenterText, l.TextX, l.TextW = true, x, w
	l.TitleMax, l.TitleMin, l.TitleLines, l.TitleBase = titleMax, titleMin, lines, base
	l.AuthorSize, l.AuthorGap, l.CardMax, l.CardMin, l.CardGap = author, gap, cardMax, author, cardGap
}
