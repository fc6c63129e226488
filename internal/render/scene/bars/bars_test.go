package bars

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/scene/scenetest"
	"github.com/mvgen/mvgen/internal/render/text"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// frameRate is the video's frame rate in these tests.
const frameRate = 30

var aspects = []mvgen.Aspect{mvgen.Landscape, mvgen.Square, mvgen.Portrait, mvgen.Feed}

// testThemeWith builds the theme with layout l over a grey still
// picture, without ffmpeg: the glyphs are solid boxes.
func testThemeWith(tb testing.TB, l layout, withCard bool) *Theme {
	tb.Helper()
	t := New(scene.Spec{FPS: frameRate, Frames: 180 * frameRate, Duration: 180 * time.Second})
	t.l = l
	p := plan{Layout: l}
	base := yuv.New(l.W, l.H)
	for i := range base.Pix {
		base.Pix[i] = 128
	}
	var card *yuv.Frame
	if withCard {
		card = base.Clone()
		p.Author = textLine{File: "a", Size: l.AuthorSize, Base: l.TitleBase + l.AuthorGap}
		p.Card = textLine{File: "a", Size: l.CardMax, Base: l.TitleBase + l.CardGap}
	}
	cw, ch, _ := l.digitCell()
	glyphs := map[rune]*yuv.Sprite{}
	for _, r := range "0123456789:" {
		mask := make([]uint8, cw*ch)
		for i := range mask {
			mask[i] = 200
		}
		glyphs[r] = yuv.NewSprite(cw, ch, mask)
	}
	t.prepare(p, base, card, glyphs, [3]uint8{80, 200, 255})
	return t
}

// musicLevels returns n frames of plausible levels: bars that change every
// frame and a pulse twice a second.
func musicLevels(n, bars int) []analysis.Levels {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]analysis.Levels, n)
	for i := range out {
		lv := analysis.Levels{Bands: make([]float64, bars), Pulse: math.Exp(-float64(i%15) / 3)}
		for b := range lv.Bands {
			lv.Bands[b] = 0.3 + 0.5*rng.Float64()*(1-float64(b)/float64(bars))
		}
		out[i] = lv
	}
	return out
}

// lyricsEvery returns lyrics with a line every 1.6 s over the first 12 s,
// its words 0.3 s apart, with a gap of 3 s after the fourth (so that the
// next line shows alone first).
func lyricsEvery(tb testing.TB) lyrics.Lyrics {
	tb.Helper()
	var lrc strings.Builder
	for n, ms := 0, 200; ms < 12_000; n, ms = n+1, ms+1600+map[bool]int{true: 3000}[n == 3] {
		fmt.Fprintf(&lrc, "[00:%02d.%02d]", ms/1000, ms%1000/10)
		for w := range 4 {
			at := ms + 300*w
			fmt.Fprintf(&lrc, "<00:%02d.%02d>word%d ", at/1000, at%1000/10, w)
		}
		lrc.WriteString("\n")
	}
	ly, err := lyrics.ParseLRC([]byte(lrc.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return ly
}

// TestMarks runs scenetest.CheckMarks over the theme in every aspect,
// with the intro card, the lyrics and music that moves every bar and the
// glow: every macroblock a frame changes is marked.
func TestMarks(t *testing.T) {
	t.Parallel()
	ly := lyricsEvery(t)
	main, bold := text.DefaultFonts()
	for _, lk := range looks {
		for _, a := range aspects {
			for _, withLyrics := range []bool{true, false} {
				if !withLyrics && lk != lookLyric {
					continue // only the lyric look's layout changes much without lyrics
				}
				checkMarks(t, lk, a, withLyrics, ly, main, bold)
			}
		}
	}
}

// checkMarks is TestMarks for look lk in aspect a.
func checkMarks(t *testing.T, lk look, a mvgen.Aspect, withLyrics bool, ly lyrics.Lyrics, main, bold string) {
	t.Helper()
	{
		th := testThemeWith(t, lk.layout(a, mvgen.HD, withLyrics, false), true)
		th.lyrics = scene.NewLyrics(ly.Lines, ly.Sections, th.l.lyricsStyle(), main, bold, th.spec.Frames, frameRate)
		// A still picture with texture, so that a missed write shows.
		for i := range th.base.Pix {
			th.base.Pix[i] = byte(i*7 + i/th.l.W)
		}
		lv := musicLevels(300, th.l.BarCount)
		levels := func(i int) analysis.Levels {
			if i%100 > 80 {
				return analysis.Levels{Bands: make([]float64, th.l.BarCount)} // silence: the bars fall
			}
			return lv[i%len(lv)]
		}
		n := 14 * frameRate // the card, its dissolve and the lyrics, with silences between
		if err := scenetest.CheckMarks(th, th.base, n, levels); err != nil {
			t.Errorf("%s %s: %v", lookNames[lk], a, err)
		}
		// The same look drawing without marks fails, on its first frames.
		if err := scenetest.CheckMarks(unmarked{th}, th.base, 3, levels); err == nil {
			t.Errorf("%s %s: CheckMarks passes a theme that marks nothing", lookNames[lk], a)
		}
	}
}

// unmarked is a theme that forgets every mark: it draws through a copy of
// the frame that marks nothing.
type unmarked struct{ *Theme }

func (u unmarked) Draw(f *yuv.Frame, i int, lv analysis.Levels) {
	g := yuv.New(f.W, f.H)
	copy(g.Pix, f.Pix)
	g.State, g.Dirty = f.State, f.Dirty
	u.Theme.Draw(g, i, lv)
	copy(f.Pix, g.Pix)
	f.State, f.Dirty = g.State, g.Dirty
}

// TestIncrementalDrawMatchesFresh draws frames into three buffers in turn,
// as pump does, where each buffer is updated only where it changed since
// its last frame, and checks every frame against the same frame drawn into
// a fresh copy of the still picture: the bars rising and falling by any
// amount, the pulse's glow, the card's dissolve, the times and the lyrics
// (lines fading in and out, words lighting up, the next line) must leave
// no trace.
func TestIncrementalDrawMatchesFresh(t *testing.T) {
	t.Parallel()
	ly := lyricsEvery(t)
	main, bold := text.DefaultFonts()
	for _, lk := range looks {
		for _, a := range aspects {
			checkIncremental(t, lk, a, ly, main, bold)
		}
	}
}

// checkIncremental is TestIncrementalDrawMatchesFresh for look lk in
// aspect a (with lyrics but in 1:1).
func checkIncremental(t *testing.T, lk look, a mvgen.Aspect, ly lyrics.Lyrics, main, bold string) {
	t.Helper()
	{
		s := testThemeWith(t, lk.layout(a, mvgen.HD, false, false), true)
		if a != mvgen.Square {
			s = testThemeWith(t, lk.layout(a, mvgen.HD, true, false), true)
			s.lyrics = scene.NewLyrics(ly.Lines, ly.Sections, s.l.lyricsStyle(), main, bold, s.spec.Frames, frameRate)
		}
		// A still picture with texture, so that a missed restore shows.
		for i := range s.base.Pix {
			s.base.Pix[i] = byte(i*7 + i/s.l.W)
		}
		s.card = s.base.Clone()
		for i := range s.card.Pix {
			s.card.Pix[i] ^= 0x55
		}
		if s.l.Music == musicBars {
			s.bars = s.base.Clone()
			for b := range s.l.BarCount {
				s.bars.FillColumn(s.l.barX(b), s.l.Bars.Y, s.l.barWidth(), s.barRows)
			}
		}
		s.glows = [haloLevels + 1][]yuv.Patch{}
		rng := rand.New(rand.NewPCG(5, 6))
		ring := []*yuv.Frame{s.base.Clone(), s.base.Clone(), s.base.Clone()}
		// The frames come in runs taken out of order, as an encoder takes
		// GOPs (see encode), so a buffer also jumps across the video.
		var order []int
		runs := rng.Perm((s.cardHold + s.cardFade + 200) / 7)
		for _, r := range runs[:len(runs)/2] {
			order = append(order, r*7, r*7+1, r*7+2, r*7+3, r*7+4, r*7+5, r*7+6)
		}
		for i := range (s.cardHold + s.cardFade + 200) / 2 {
			order = append(order, i) // and a stretch in order
		}
		for j, i := range order {
			lv := analysis.Levels{Bands: make([]float64, s.l.BarCount)}
			for b := range lv.Bands {
				switch rng.IntN(4) {
				case 0: // silent
				case 1:
					lv.Bands[b] = 1
				default:
					lv.Bands[b] = rng.Float64()
				}
			}
			if rng.IntN(3) > 0 {
				lv.Pulse = rng.Float64()
			}
			f := ring[j%len(ring)]
			s.Draw(f, i, lv)
			fresh := s.base.Clone()
			s.Draw(fresh, i, lv)
			if mb, ok := untouchedChange(f, s.base); !ok {
				t.Fatalf("%s %s: frame %d differs from the still picture in macroblock %s, which it does not mark as written",
					lookNames[lk], a, i, mb)
			}
			if !bytes.Equal(f.Pix, fresh.Pix) {
				prev := -1
				if j >= len(ring) {
					prev = order[j-len(ring)]
				}
				t.Fatalf("%s %s: frame %d drawn over frame %d differs from the same frame drawn afresh, first at %s",
					lookNames[lk], a, i, prev, firstDiff(f, fresh))
			}
		}
	}
}

// untouchedChange checks the invariant of the marks for f, a clone of
// base: every macroblock where f differs from base is marked. It returns
// the first that is not, and false.
func untouchedChange(f, base *yuv.Frame) (string, bool) {
	for y := range f.H {
		for x := range f.W {
			mx, my := x/16, y/16
			if f.Y[y*f.W+x] != base.Y[y*f.W+x] && !f.Marked(mx, my) {
				return fmt.Sprintf("(%d, %d), luma (%d, %d)", mx, my, x, y), false
			}
			if x < f.W/2 && y < f.H/2 {
				o := y*f.W/2 + x
				if (f.U[o] != base.U[o] || f.V[o] != base.V[o]) && !f.Marked(x/8, y/8) {
					return fmt.Sprintf("(%d, %d), chroma (%d, %d)", x/8, y/8, x, y), false
				}
			}
		}
	}
	return "", true
}

// BenchmarkDraw measures drawing one frame of music over the still
// picture: what Go adds to the encoder's work per frame.
func BenchmarkDraw(b *testing.B) {
	for _, lk := range looks {
		for _, a := range aspects {
			name := string(a[0]) + "x" + string(a[len(a)-1])
			if lk != lookBars {
				name = lookNames[lk] + "_" + name
			}
			benchDraw(b, lk, a, name)
		}
	}
}

// benchDraw is BenchmarkDraw for look lk in aspect a.
func benchDraw(b *testing.B, lk look, a mvgen.Aspect, name string) {
	{
		b.Run(name, func(b *testing.B) {
			s := testThemeWith(b, lk.layout(a, mvgen.HD, false, true), true) // 9:16 full frame, as before the safe box
			lv := musicLevels(300, s.l.BarCount)
			f := s.base.Clone()
			i := s.cardHold + s.cardFade
			for b.Loop() {
				s.Draw(f, i, lv[i%len(lv)])
				i++
			}
		})
	}
}

// firstDiff describes where two frames first differ.
func firstDiff(a, b *yuv.Frame) string {
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			switch n := a.W * a.H; {
			case i < n:
				return fmt.Sprintf("luma (%d, %d): %d, want %d", i%a.W, i/a.W, a.Pix[i], b.Pix[i])
			case i < n*5/4:
				return fmt.Sprintf("U (%d, %d)×2: %d, want %d", (i-n)%(a.W/2), (i-n)/(a.W/2), a.Pix[i], b.Pix[i])
			default:
				return fmt.Sprintf("V (%d, %d)×2: %d, want %d", (i-n*5/4)%(a.W/2), (i-n*5/4)/(a.W/2), a.Pix[i], b.Pix[i])
			}
		}
	}
	return "nowhere"
}

// stillAt is a theme whose still picture is ready (tests build it without
// ffmpeg): Still returns it.
type stillAt struct{ *Theme }

func (s stillAt) Still(context.Context) (*yuv.Frame, error) { return s.base, nil }

// TestFadedClipMarks runs scenetest.CheckMarks over a 5 s clip in every
// aspect, faded in and out (scene.Fade) over its intro card (shortened
// to fit it), lyrics and moving bars: every macroblock the fades change
// is marked, and the first and last frames are near black.
func TestFadedClipMarks(t *testing.T) {
	t.Parallel()
	ly := lyricsEvery(t)
	main, bold := text.DefaultFonts()
	const frames, fade = 5 * frameRate, frameRate / 2
	for _, a := range aspects {
		th := testThemeWith(t, layoutWith(a, mvgen.HD, true, false), true)
		th.spec.Frames, th.spec.Duration, th.spec.Clip = frames, 5*time.Second, true
		short := New(th.spec)
		th.cardHold, th.cardFade = short.cardHold, short.cardFade
		if th.cardHold+th.cardFade > frames/4 {
			t.Errorf("%s: the card lasts %d frames of a %d-frame clip, want at most a quarter", a, th.cardHold+th.cardFade, frames)
		}
		th.lyrics = scene.NewLyrics(ly.Lines, ly.Sections, th.l.lyricsStyle(), main, bold, frames, frameRate)
		for i := range th.base.Pix {
			th.base.Pix[i] = byte(i*7 + i/th.l.W)
		}
		faded := scene.Fade(stillAt{th}, frames, fade)
		still, err := faded.Still(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		lv := musicLevels(frames, th.l.BarCount)
		if err := scenetest.CheckMarks(faded, still, frames, func(i int) analysis.Levels { return lv[i] }); err != nil {
			t.Errorf("%s: %v", a, err)
		}
		for _, i := range []int{0, frames - 1} {
			f := still.Clone()
			faded.Draw(f, i, lv[i])
			var sum int
			for _, v := range f.Y {
				sum += int(v)
			}
			if mean := sum / len(f.Y); mean > 30 {
				t.Errorf("%s frame %d: mean luma %d, want near black", a, i, mean)
			}
		}
	}
}
