package scene

import (
	"fmt"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/render/text"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

const fps = 30

// Styles of the bars theme's layouts with lyrics: 16:9 and 9:16 at 720p,
// 1:1 (the same at both resolutions), and 16:9 at 1080p.
var (
	landscapeStyle = LyricsStyle{Box: yuv.Rect{X: 540, Y: 292, W: 660, H: 126}, Size: 34, Min: 24, Lines: 2, NextSize: 24}
	portraitStyle  = LyricsStyle{Box: yuv.Rect{X: 40, Y: 700, W: 640, H: 300}, Size: 46, Min: 30, Lines: 3, NextSize: 32, Centre: true}
	squareStyle    = LyricsStyle{Box: yuv.Rect{X: 60, Y: 596, W: 960, H: 180}, Size: 46, Min: 30, Lines: 2, NextSize: 32, Centre: true}
	landscapeFull  = LyricsStyle{Box: yuv.Rect{X: 810, Y: 438, W: 990, H: 190}, Size: 52, Min: 36, Lines: 2, NextSize: 36}
)

// still returns a dark grey w×h still picture.
func still(w, h int) *yuv.Frame {
	f := yuv.New(w, h)
	for i := range f.Y {
		f.Y[i] = 40
	}
	for i := range f.U {
		f.U[i], f.V[i] = 128, 128
	}
	return f
}

// TestLyricsOnScreen draws four seconds with two lines of lyrics, frame
// after frame into one buffer as an encoder does, and reads the luma: while
// the first line's first word is sung and its second is not, the first
// word is bright and the second dim; between the lines (an instrumental
// stretch) the lyrics' area has no text; and the second line, without word
// times, is bright.
func TestLyricsOnScreen(t *testing.T) {
	t.Parallel()
	lrc := "[00:00.50]<00:00.50>Hello, <00:01.50>أغنية — world<00:02.00>\n[00:02.00]\n[00:03.20]夜のドライブ again\n"
	ly, err := lyrics.ParseLRC([]byte(lrc))
	if err != nil {
		t.Fatal(err)
	}
	main, bold := text.DefaultFonts()
	for name, c := range map[string]struct {
		st   LyricsStyle
		w, h int
	}{"16:9": {landscapeStyle, 1280, 720}, "9:16": {portraitStyle, 720, 1280}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc := NewLyrics(ly.Lines, nil, c.st, main, bold, 4*fps, fps)
			if sc == nil || len(sc.lines) != 2 {
				t.Fatalf("got %v, want two lines laid out", sc)
			}
			base := still(c.w, c.h)
			f := base.Clone()
			var shown Shown
			drawn := -1
			frame := func(i int) []byte {
				for drawn < i {
					drawn++
					sc.Update(f, &shown, base, drawn)
				}
				return f.Y
			}
			first := sc.masks(0)
			// bright counts the pixels brighter than 200 in r of the mask
			// m, placed as drawn, in frame i.
			bright := func(i int, m *text.Mask, r yuv.Rect) int {
				luma, n := frame(i), 0
				for y := r.Y; y < r.Y+r.H; y++ {
					for x := r.X; x < r.X+r.W; x++ {
						if luma[(sc.box.Y+y)*c.w+sc.box.X+m.X+x] > 200 {
							n++
						}
					}
				}
				return n
			}
			words := first.cur.Words
			if len(words) != 2 || len(words[0]) == 0 || len(words[1]) == 0 {
				t.Fatalf("got word rects %v, want two words", words)
			}
			at := fps // 1 s: "Hello," sung, the rest not yet
			w0, w1 := bright(at, first.cur, words[0][0]), bright(at, first.cur, words[1][0])
			t.Logf("at 1 s: %d bright pixels on the sung word, %d on the next", w0, w1)
			if w0 < 50 || w1 > w0/10 {
				t.Errorf("at 1 s: %d bright pixels on the sung word and %d on the word to come, want 50+ and a tenth of it",
					w0, w1)
			}
			if w := bright(fps*7/4, first.cur, words[1][0]); w < 50 {
				t.Errorf("at 1.75 s: %d bright pixels on the second word, want 50+", w)
			}
			all := yuv.Rect{W: first.cur.W, H: first.cur.H}
			if n := bright(fps*9/4, first.cur, all); n != 0 {
				t.Errorf("at 2.25 s, between the lines: %d bright pixels in the lyrics' area, want 0", n)
			}
			second := sc.masks(1)
			if n := bright(fps*7/2, second.cur, yuv.Rect{W: second.cur.W, H: second.cur.H}); n < 100 {
				t.Errorf("at 3.5 s: %d bright pixels on the second line, want 100+", n)
			}
		})
	}
}

// TestLyricsLongLine checks that a long line is wrapped within the
// lyrics' area and that a line too long for it at the smallest size is cut.
func TestLyricsLongLine(t *testing.T) {
	t.Parallel()
	main, bold := text.DefaultFonts()
	for _, st := range []LyricsStyle{landscapeStyle, portraitStyle, squareStyle, landscapeFull} {
		long := lyrics.Line{End: 1e9, Text: "a line that goes on and on " + fmt.Sprint(make([]int, 60))}
		sc := NewLyrics([]lyrics.Line{long}, nil, st, main, bold, 100, fps)
		m := sc.masks(0).cur
		if m.X+m.W > st.Box.W || m.H > text.MaskHeight(st.Size, st.Lines) {
			t.Errorf("%+v: the long line's mask is %d×%d at %d, want within %d×%d", st, m.W, m.H, m.X,
				st.Box.W, text.MaskHeight(st.Size, st.Lines))
		}
	}
}

// TestLyricsCache draws every frame of forty lines of lyrics: no more than
// lyricCache lines are kept laid out, and a line laid out again comes out
// the same.
func TestLyricsCache(t *testing.T) {
	t.Parallel()
	main, bold := text.DefaultFonts()
	var ls []lyrics.Line
	for i := range 40 {
		ls = append(ls, lyrics.Line{Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second,
			Text: fmt.Sprintf("line %d — سطر %d", i, i)})
	}
	sc := NewLyrics(ls, nil, landscapeStyle, main, bold, 41*fps, fps)
	first := sc.masks(0).cur
	base := yuv.New(1280, 720)
	f := base.Clone()
	var shown Shown
	for i := range 41 * fps {
		sc.Update(f, &shown, base, i)
		if len(sc.cached) > lyricCache {
			t.Fatalf("frame %d: %d lines laid out, want at most %d", i, len(sc.cached), lyricCache)
		}
	}
	again := sc.masks(0).cur
	if again == first || again.W != first.W || again.H != first.H || string(again.A) != string(first.A) {
		t.Errorf("line 0 laid out again: %d×%d (same mask %v), want a new %d×%d mask with the same pixels",
			again.W, again.H, again == first, first.W, first.H)
	}
}

// TestLyricsBreaks: a timed line followed by a 10-second solo fades out
// once its last word ends instead of staying up 2 s more, the solo's
// section name shows from its marker until three dots then two then one
// count down the last three seconds (drawn where the sung line goes), and
// the next line comes as before; an untimed line before an outro goes 4 s
// after it starts; a long intro gets the countdown too; a short gap
// changes nothing.
func TestLyricsBreaks(t *testing.T) {
	t.Parallel()
	lrc := "[00:07.00]<00:07.00>Hello <00:07.50>there<00:08.00>\n[00:09.00][Guitar Solo]\n" +
		"[00:18.00]After the solo\n[00:20.00]Soon after\n[00:22.00]The last line\n"
	ly, err := lyrics.ParseLRC([]byte(lrc))
	if err != nil {
		t.Fatal(err)
	}
	main, bold := text.DefaultFonts()
	const frames = 40 * fps
	sc := NewLyrics(ly.Lines, ly.Sections, landscapeStyle, main, bold, frames, fps)
	at := func(sec float64) lyricState { return sc.state(int(sec * fps)) }
	for _, c := range []struct {
		sec              float64
		cur, dots, label int
		next, what       string
	}{
		{3.5, 0, 0, 0, "", "intro, before the countdown"},
		{4.5, 0, 3, 0, "", "intro: three dots"},
		{6.5, 0, 1, 0, "next", "intro: one dot and the first line coming"},
		{7.6, 1, 0, 0, "", "the first line sung"},
		{8.1, 1, 0, 0, "", "fading after its last word"},
		{8.5, 0, 0, 0, "", "the solo, before its marker: nothing (the line stayed until 10 s before)"},
		{9.5, 0, 0, 1, "", "the solo's name, from its marker"},
		{14.0, 0, 0, 1, "", "the solo's name"},
		{15.5, 0, 3, 0, "", "three dots"},
		{16.5, 0, 2, 0, "", "two dots"},
		{17.5, 0, 1, 0, "next", "one dot and the next line"},
		{18.5, 2, 0, 0, "next", "after the solo, the next line under it"},
		{21.0, 3, 0, 0, "next", "a 2 s gap: no break"},
		{25.5, 4, 0, 0, "", "the last, untimed line, 3.5 s in"},
		{26.5, 0, 0, 0, "", "the outro: gone 4 s after it started"},
		{39.0, 0, 0, 0, "", "the outro: no dots, nothing follows"},
	} {
		s := at(c.sec)
		if s.cur != c.cur || s.dots != c.dots || s.label != c.label || (s.next > 0) != (c.next != "") {
			t.Errorf("at %.1f s (%s): line %d, %d dots, section %d, next %d; want line %d, %d dots, section %d, next %v",
				c.sec, c.what, s.cur, s.dots, s.label, s.next, c.cur, c.dots, c.label, c.next != "")
		}
	}
	// The dots are drawn: bright pixels in the sung line's place while they
	// show, none in the solo before them.
	base := still(1280, 720)
	f := base.Clone()
	var shown Shown
	lit := func(i int, over uint8) int {
		sc.Update(f, &shown, base, i)
		n := 0
		for y := sc.box.Y; y < sc.box.Y+text.MaskHeight(landscapeStyle.Size, 1); y++ {
			for x := sc.box.X; x < sc.box.X+sc.box.W; x++ {
				if f.Y[y*1280+x] > over {
					n++
				}
			}
		}
		return n
	}
	quiet, name, three, two := lit(17*fps/2, 100), lit(12*fps, 100), lit(31*fps/2, 200), lit(33*fps/2, 200)
	t.Logf("pixels lit where the line goes: %d before the marker, %d with the section's name, %d with three dots, %d with two",
		quiet, name, three, two)
	if quiet != 0 || name < 60 || three < 60 || two >= three || two < three/2 {
		t.Errorf("pixels lit: %d before the marker (want 0), %d with the name (want 60+), %d with three dots and %d with two (want about 3:2)",
			quiet, name, three, two)
	}
}
