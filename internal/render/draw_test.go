package render

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
)

// testScene builds a scene over a grey still picture, without ffmpeg: the
// glyphs are solid boxes.
func testScene(tb testing.TB, a Aspect, withCard bool) *scene {
	tb.Helper()
	return testSceneWith(tb, layoutFor(a), withCard)
}

// testSceneWith is testScene with layout l.
func testSceneWith(tb testing.TB, l layout, withCard bool) *scene {
	tb.Helper()
	p := plan{Layout: l, Frames: 180 * frameRate, Duration: 180 * time.Second}
	base := newFrame(l.W, l.H)
	for i := range base.buf {
		base.buf[i] = 128
	}
	var card *frame
	if withCard {
		card = base.clone()
		p.Author = textLine{File: "a", Size: l.AuthorSize, Base: l.TitleBase + l.AuthorGap}
		p.Card = textLine{File: "a", Size: l.CardMax, Base: l.TitleBase + l.CardGap}
	}
	cw, ch, _ := l.digitCell()
	glyphs := map[rune]*sprite{}
	for _, r := range "0123456789:" {
		mask := make([]uint8, cw*ch)
		for i := range mask {
			mask[i] = 200
		}
		glyphs[r] = newSprite(cw, ch, mask)
	}
	return prepareScene(p, base, card, glyphs, [3]uint8{80, 200, 255})
}

// musicLevels returns n frames of plausible levels: bars that change every
// frame and a pulse twice a second.
func musicLevels(n, bars int) []levels {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]levels, n)
	for i := range out {
		lv := levels{Bars: make([]float64, bars), Pulse: math.Exp(-float64(i%15) / 3)}
		for b := range lv.Bars {
			lv.Bars[b] = 0.3 + 0.5*rng.Float64()*(1-float64(b)/float64(bars))
		}
		out[i] = lv
	}
	return out
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
	// A line every 1.6 s, its words 0.3 s apart, with a gap of 3 s after
	// the fourth (so that the next line shows alone first).
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
		t.Fatal(err)
	}
	main, bold := (&Renderer{}).fonts()
	for _, a := range []Aspect{Landscape, Square, Portrait} {
		s := testScene(t, a, true)
		if a != Square {
			s = testSceneWith(t, layoutWith(a, HD, true), true)
			s.lyrics = newLyricScene(ly.Lines, s.l, main, bold, s.frames)
		}
		// A still picture with texture, so that a missed restore shows.
		for i := range s.base.buf {
			s.base.buf[i] = byte(i*7 + i/s.l.W)
		}
		s.card = s.base.clone()
		for i := range s.card.buf {
			s.card.buf[i] ^= 0x55
		}
		s.bars = s.base.clone()
		for b := range s.l.BarCount {
			s.bars.fillColumn(s.l.barX(b), s.l.Bars.Y, s.l.barWidth(), s.barRows)
		}
		s.glows = [haloLevels + 1][]patch{}
		rng := rand.New(rand.NewPCG(5, 6))
		ring := []*frame{s.base.clone(), s.base.clone(), s.base.clone()}
		// The frames come in runs taken out of order, as an encoder takes
		// GOPs (see encode), so a buffer also jumps across the video.
		var order []int
		runs := rng.Perm((cardHold + cardFade + 200) / 7)
		for _, r := range runs[:len(runs)/2] {
			order = append(order, r*7, r*7+1, r*7+2, r*7+3, r*7+4, r*7+5, r*7+6)
		}
		for i := range (cardHold + cardFade + 200) / 2 {
			order = append(order, i) // and a stretch in order
		}
		for j, i := range order {
			lv := levels{Bars: make([]float64, s.l.BarCount)}
			for b := range lv.Bars {
				switch rng.IntN(4) {
				case 0: // silent
				case 1:
					lv.Bars[b] = 1
				default:
					lv.Bars[b] = rng.Float64()
				}
			}
			if rng.IntN(3) > 0 {
				lv.Pulse = rng.Float64()
			}
			f := ring[j%len(ring)]
			s.draw(f, i, lv)
			fresh := s.base.clone()
			s.draw(fresh, i, lv)
			if mb, ok := untouchedChange(f, s.base); !ok {
				t.Fatalf("%s: frame %d differs from the still picture in macroblock %s, which it does not mark as written",
					a, i, mb)
			}
			if !bytes.Equal(f.buf, fresh.buf) {
				prev := -1
				if j >= len(ring) {
					prev = order[j-len(ring)]
				}
				t.Fatalf("%s: frame %d drawn over frame %d differs from the same frame drawn afresh, first at %s",
					a, i, prev, firstDiff(f, fresh))
			}
		}
	}
}

// untouchedChange checks the invariant of frame.touched for f, a clone of
// base: every macroblock where f differs from base is marked. It returns
// the first that is not, and false.
func untouchedChange(f, base *frame) (string, bool) {
	mbw := mbCount(f.w)
	for y := range f.h {
		for x := range f.w {
			mx, my := x/16, y/16
			if f.y[y*f.w+x] != base.y[y*f.w+x] && f.touched[my*mbw+mx] == 0 {
				return fmt.Sprintf("(%d, %d), luma (%d, %d)", mx, my, x, y), false
			}
			if x < f.w/2 && y < f.h/2 {
				o := y*f.w/2 + x
				if (f.u[o] != base.u[o] || f.v[o] != base.v[o]) && f.touched[y/8*mbw+x/8] == 0 {
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
	for _, a := range []Aspect{Landscape, Square, Portrait} {
		b.Run(string(a[0])+"x"+string(a[len(a)-1]), func(b *testing.B) {
			s := testScene(b, a, true)
			lv := musicLevels(300, s.l.BarCount)
			f := s.base.clone()
			i := cardHold + cardFade
			for b.Loop() {
				s.draw(f, i, lv[i%len(lv)])
				i++
			}
		})
	}
}

// BenchmarkAnalyse measures the audio analysis of one frame.
func BenchmarkAnalyse(b *testing.B) {
	a := newAnalyser(&noise{rng: rand.New(rand.NewPCG(3, 4))}, 56)
	for b.Loop() {
		if _, err := a.next(); err != nil {
			b.Fatal(err)
		}
	}
}

// noise is an endless stream of random float32le samples.
type noise struct{ rng *rand.Rand }

func (n *noise) Read(p []byte) (int, error) {
	for i := 0; i+3 < len(p); i += 4 {
		v := math.Float32bits(float32(n.rng.Float64()*0.5 - 0.25))
		p[i], p[i+1], p[i+2], p[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return len(p) &^ 3, nil
}

// firstDiff describes where two frames first differ.
func firstDiff(a, b *frame) string {
	for i := range a.buf {
		if a.buf[i] != b.buf[i] {
			switch n := a.w * a.h; {
			case i < n:
				return fmt.Sprintf("luma (%d, %d): %d, want %d", i%a.w, i/a.w, a.buf[i], b.buf[i])
			case i < n*5/4:
				return fmt.Sprintf("U (%d, %d)×2: %d, want %d", (i-n)%(a.w/2), (i-n)/(a.w/2), a.buf[i], b.buf[i])
			default:
				return fmt.Sprintf("V (%d, %d)×2: %d, want %d", (i-n*5/4)%(a.w/2), (i-n*5/4)/(a.w/2), a.buf[i], b.buf[i])
			}
		}
	}
	return "nowhere"
}
