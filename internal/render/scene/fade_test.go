package scene_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/scene/scenetest"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// square is a theme that draws a white square moving one step every third frame
// over a textured still picture, incrementally: it restores where the
// square was and fills where it is, as the bars theme updates only what
// changed.
type square struct{ still *yuv.Frame }

func (s *square) Bands() int { return 1 }

func (s *square) Still(context.Context) (*yuv.Frame, error) {
	f := yuv.New(96, 64)
	for i := range f.Pix {
		f.Pix[i] = byte(40 + i*7%150)
	}
	s.still = f
	return f, nil
}

func (s *square) Draw(f *yuv.Frame, i int, _ analysis.Levels) {
	r := yuv.Rect{X: (i / 3 * 4) % 80, Y: 16, W: 16, H: 16}
	was, ok := f.State.(yuv.Rect)
	if ok && was == r {
		return // the frame holds the square there already
	}
	if ok {
		f.CopyRect(s.still, was)
		f.Touch(was)
	}
	f.FillRect(r, yuv.White, 256)
	f.State = r
}

func (s *square) Poster() *yuv.Frame { return s.still }

// TestFade: the faded theme marks every macroblock its frames change
// (scenetest.CheckMarks), its frames drawn into reused buffers are those
// drawn afresh, dimmed, and its first and last frames are near black.
func TestFade(t *testing.T) {
	t.Parallel()
	const frames, fade = 60, 15
	th := scene.Fade(&square{}, frames, fade)
	still, err := th.Still(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	silence := func(int) analysis.Levels { return analysis.Levels{Bands: []float64{0}} }
	if err := scenetest.CheckMarks(th, still, frames, silence); err != nil {
		t.Error(err)
	}

	ring := [2]*yuv.Frame{still.Clone(), still.Clone()}
	for i := range frames {
		f := ring[i%2]
		th.Draw(f, i, silence(i))
		want := still.Clone()
		(&square{still: still}).Draw(want, i, silence(i))
		if g := gainOf(i, frames, fade); g < 256 {
			scene.Dim(want, g)
		}
		if !bytes.Equal(f.Pix, want.Pix) {
			t.Fatalf("frame %d drawn into a reused buffer differs from the frame drawn afresh", i)
		}
	}
	for _, i := range []int{0, frames - 1} {
		f := still.Clone()
		th.Draw(f, i, silence(i))
		if m := maxLuma(f); m > 40 {
			t.Errorf("frame %d: brightest luma %d, want near black (≤ 40)", i, m)
		}
	}
}

// gainOf is the fade's brightness of frame i, as scene.Fade has it.
func gainOf(i, frames, fade int) int {
	switch {
	case i < fade:
		return (i + 1) * 256 / (fade + 1)
	case i >= frames-fade:
		return (frames - i) * 256 / (fade + 1)
	}
	return 256
}

func maxLuma(f *yuv.Frame) int {
	m := 0
	for _, v := range f.Y {
		m = max(m, int(v))
	}
	return m
}
