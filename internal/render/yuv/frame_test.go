package yuv

import (
	"fmt"
	"testing"
)

// TestMarks: a clone marks exactly the macroblocks the drawing operations
// write, edges included; a frame that was not cloned marks nothing and
// reports every macroblock as possibly written.
func TestMarks(t *testing.T) {
	t.Parallel()
	still := New(40, 36) // 3×3 macroblocks, the last row and column sticking out
	if !still.Marked(0, 0) || still.Marks() != nil {
		t.Errorf("a frame that was not cloned: Marked %v, Marks %v; want true, nil", still.Marked(0, 0), still.Marks())
	}
	f := still.Clone()
	if got := fmt.Sprint(f.Marks()); got != "[0 0 0 0 0 0 0 0 0]" {
		t.Errorf("a fresh clone marks %s, want nothing", got)
	}
	f.FillRect(Rect{X: 14, Y: 2, W: 4, H: 2}, White, 256) // straddles macroblocks (0, 0) and (1, 0)
	f.BlendSprite(34, 32, NewSprite(2, 2, []uint8{255, 255, 255, 255}), White, 256)
	f.Touch(Rect{X: 16, Y: 16, W: 0, H: 8}) // empty: marks nothing
	if got, want := fmt.Sprint(f.Marks()), "[1 1 0 0 0 0 0 0 1]"; got != want {
		t.Errorf("marks %s, want %s", got, want)
	}
	if !f.Marked(2, 2) || f.Marked(1, 1) {
		t.Errorf("Marked(2, 2) = %v, Marked(1, 1) = %v; want true, false", f.Marked(2, 2), f.Marked(1, 1))
	}
	if len(f.Dirty) != 2 {
		t.Errorf("%d rects dirty, want the 2 blended", len(f.Dirty))
	}
	f.Restore(still)
	if len(f.Dirty) != 0 || f.Y[2*40+14] != still.Y[2*40+14] {
		t.Errorf("Restore left %d dirty rects, luma %d; want none, %d", len(f.Dirty), f.Y[2*40+14], still.Y[2*40+14])
	}
}

func TestColours(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r, g, b uint8
		want    Color
	}{{255, 255, 255, White}, {0, 0, 0, Black}, {255, 0, 0, Color{63, 102, 240}}} {
		if got := FromRGB(c.r, c.g, c.b); got != c.want {
			t.Errorf("FromRGB(%d, %d, %d) = %v, want %v", c.r, c.g, c.b, got, c.want)
		}
	}
	f := New(2, 2)
	copy(f.Pix, []byte{63, 63, 63, 63, 102, 240})
	if r, g, b, _ := f.RGBA().At(1, 1).RGBA(); r>>8 < 250 || g>>8 > 5 || b>>8 > 5 {
		t.Errorf("RGBA of BT.709 red: %d, %d, %d; want about 255, 0, 0", r>>8, g>>8, b>>8)
	}
}
