package scenetest

import (
	"context"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// square is a theme that moves a white 12×12 square along the frame's
// diagonal, one pixel a frame, restoring where it was from the still
// picture. forget makes it write the square's pixels without marking
// them, as a theme that writes the planes itself might.
type square struct {
	still  *yuv.Frame
	forget bool
}

func (s *square) Bands() int                                { return 1 }
func (s *square) Still(context.Context) (*yuv.Frame, error) { return s.still, nil }
func (s *square) Poster() *yuv.Frame                        { return s.still }

func (s *square) Draw(f *yuv.Frame, i int, _ analysis.Levels) {
	if at, ok := f.State.(int); ok { // the square f holds
		f.CopyRect(s.still, yuv.Rect{X: at, Y: at, W: 12, H: 12})
	}
	at := (2 * i) % (f.H - 12)
	if !s.forget {
		f.FillRect(yuv.Rect{X: at, Y: at, W: 12, H: 12}, yuv.White, 256)
	} else {
		for y := at; y < at+12; y++ {
			for x := at; x < at+12; x++ {
				f.Y[y*f.W+x] = 235
			}
		}
	}
	f.State = at
}

func grey(w, h int) *yuv.Frame {
	f := yuv.New(w, h)
	for i := range f.Pix {
		f.Pix[i] = 128
	}
	return f
}

func silence(int) analysis.Levels { return analysis.Levels{Bands: make([]float64, 1)} }

// TestCheckMarksCatchesForgottenMarks: the checker passes a theme that
// marks what it writes, and fails one that does not, naming the frame.
func TestCheckMarksCatchesForgottenMarks(t *testing.T) {
	t.Parallel()
	still := grey(64, 48)
	if err := CheckMarks(&square{still: still}, still, 40, silence); err != nil {
		t.Errorf("a theme that marks what it writes: %v", err)
	}
	err := CheckMarks(&square{still: still, forget: true}, still, 40, silence)
	if err == nil || !strings.Contains(err.Error(), "frame 0 ") {
		t.Errorf("a theme that forgets its marks: got %v, want an error at frame 0", err)
	}
}
