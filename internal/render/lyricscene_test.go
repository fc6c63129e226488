package render

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
)

// TestLyricsOnScreen renders four seconds with two lines of lyrics and
// reads the decoded frames: while the first line's first word is sung and
// its second is not, the first word is bright and the second dim; between
// the lines (an instrumental stretch) the lyrics' area has no text; and
// the second line, without word times, is bright.
func TestLyricsOnScreen(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.wav")
	makeMusic(t, audio, 4)
	lrc := "[00:00.50]<00:00.50>Hello, <00:01.50>أغنية — world<00:02.00>\n[00:02.00]\n[00:03.20]夜のドライブ again\n"
	ly, err := lyrics.ParseLRC([]byte(lrc))
	if err != nil {
		t.Fatal(err)
	}
	for _, aspect := range []Aspect{Landscape, Portrait} {
		t.Run(string(aspect), func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "v.mp4")
			r := Renderer{TempDir: t.TempDir(), Threads: 1}
			if _, err := r.Render(context.Background(), Input{Audio: audio, Title: "Lyrics", Author: "Singer",
				Aspect: string(aspect), Lyrics: &ly, Out: out}); err != nil {
				t.Fatal(err)
			}
			l := layoutWith(aspect, HD, true)
			p := plan{Layout: l}
			p.Font, p.BoldFont = r.fonts()
			sc := newLyricScene(ly.Lines, l, p.Font, p.BoldFont, 4*frameRate)
			if sc == nil || len(sc.lines) != 2 {
				t.Fatalf("got %v, want two lines laid out", sc)
			}
			frames := grayFrames(t, out, l.W, l.H)
			first := sc.masks(0)
			// bright counts the pixels brighter than 200 in r of the first
			// line's mask, placed as drawn, in frame i.
			bright := func(i int, m *textMask, r rect) int {
				n := 0
				for y := r.Y; y < r.Y+r.H; y++ {
					for x := r.X; x < r.X+r.W; x++ {
						if frames[i][(sc.box.Y+y)*l.W+sc.box.X+m.x+x] > 200 {
							n++
						}
					}
				}
				return n
			}
			words := first.cur.words
			if len(words) != 2 || len(words[0]) == 0 || len(words[1]) == 0 {
				t.Fatalf("got word rects %v, want two words", words)
			}
			at := frameRate // 1 s: "Hello," sung, the rest not yet
			w0, w1 := bright(at, first.cur, words[0][0]), bright(at, first.cur, words[1][0])
			t.Logf("at 1 s: %d bright pixels on the sung word, %d on the next", w0, w1)
			if w0 < 50 || w1 > w0/10 {
				t.Errorf("at 1 s: %d bright pixels on the sung word and %d on the word to come, want 50+ and a tenth of it",
					w0, w1)
			}
			if w := bright(frameRate*7/4, first.cur, words[1][0]); w < 50 {
				t.Errorf("at 1.75 s: %d bright pixels on the second word, want 50+", w)
			}
			all := rect{0, 0, first.cur.w, first.cur.h}
			if n := bright(frameRate*9/4, first.cur, all); n != 0 {
				t.Errorf("at 2.25 s, between the lines: %d bright pixels in the lyrics' area, want 0", n)
			}
			second := sc.masks(1)
			if n := bright(frameRate*7/2, second.cur, rect{0, 0, second.cur.w, second.cur.h}); n < 100 {
				t.Errorf("at 3.5 s: %d bright pixels on the second line, want 100+", n)
			}
		})
	}
}

// TestLyricsLongLine checks that a long line is wrapped within the
// lyrics' area and that a line too long for it at the smallest size is cut.
func TestLyricsLongLine(t *testing.T) {
	t.Parallel()
	main, bold := (&Renderer{}).fonts()
	for _, aspect := range []Aspect{Landscape, Square, Portrait} {
		l := layoutWith(aspect, FullHD, true)
		long := lyrics.Line{End: 1e9, Text: "a line that goes on and on " + fmt.Sprint(make([]int, 60))}
		sc := newLyricScene([]lyrics.Line{long}, l, main, bold, 100)
		m := sc.masks(0).cur
		if m.x+m.w > l.Lyrics.W || m.h > lyricMaskHeight(l.LyricSize, l.LyricLines) {
			t.Errorf("%s: the long line's mask is %d×%d at %d, want within %d×%d", aspect, m.w, m.h, m.x,
				l.Lyrics.W, lyricMaskHeight(l.LyricSize, l.LyricLines))
		}
	}
}

// TestLyricsCache draws every frame of forty lines of lyrics: no more than
// lyricCache lines are kept laid out, and a line laid out again comes out
// the same.
func TestLyricsCache(t *testing.T) {
	t.Parallel()
	main, bold := (&Renderer{}).fonts()
	l := layoutWith(Landscape, HD, true)
	var ls []lyrics.Line
	for i := range 40 {
		ls = append(ls, lyrics.Line{Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second,
			Text: fmt.Sprintf("line %d — سطر %d", i, i)})
	}
	sc := newLyricScene(ls, l, main, bold, 41*frameRate)
	first := sc.masks(0).cur
	base := newFrame(l.W, l.H)
	f := base.clone()
	for i := range 41 * frameRate {
		sc.update(f, base, i)
		if len(sc.cached) > lyricCache {
			t.Fatalf("frame %d: %d lines laid out, want at most %d", i, len(sc.cached), lyricCache)
		}
	}
	again := sc.masks(0).cur
	if again == first || again.w != first.w || again.h != first.h || string(again.a) != string(first.a) {
		t.Errorf("line 0 laid out again: %d×%d (same mask %v), want a new %d×%d mask with the same pixels",
			again.w, again.h, again == first, first.w, first.h)
	}
}
