// Package scenetest checks themes (see scene.Theme) as the encoders use
// them.
package scenetest

import (
	"bytes"
	"fmt"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// CheckMarks draws frames 0 to frames-1 of th, with the levels levels
// gives, over still (th's still picture) as the in-process encoder does:
// into two clones of still in turn, each holding the frame before the
// last. It compares each frame with the one drawn before it (the first
// with still) macroblock by macroblock: where they differ, either must
// mark the macroblock as written (see yuv.Frame.Marked), or the encoder,
// which compares and encodes only the macroblocks either marks, would
// show the frame before's pixels there. It returns the first macroblock
// that differs unmarked.
func CheckMarks(th scene.Theme, still *yuv.Frame, frames int, levels func(i int) analysis.Levels) error {
	ring := [2]*yuv.Frame{still.Clone(), still.Clone()}
	prev := still.Clone() // the frame before the first: the still picture, written nowhere
	for i := range frames {
		f := ring[i%2]
		th.Draw(f, i, levels(i))
		if mx, my, ok := unmarkedChange(f, prev); !ok {
			return fmt.Errorf("frame %d differs from frame %d in macroblock (%d, %d), which neither marks as written",
				i, i-1, mx, my)
		}
		prev = f
	}
	return nil
}

// unmarkedChange returns the first macroblock in which frames a and b
// (both W×H) differ while neither marks it, and false; true when there is
// none.
func unmarkedChange(a, b *yuv.Frame) (mx, my int, ok bool) {
	w, h, cw := a.W, a.H, a.W/2
	for my := 0; my*16 < h; my++ {
		for mx := 0; mx*16 < w; mx++ {
			if a.Marked(mx, my) || b.Marked(mx, my) {
				continue
			}
			x0, x1 := mx*16, min(w, mx*16+16)
			for y := my * 16; y < min(h, my*16+16); y++ {
				if !bytes.Equal(a.Y[y*w+x0:y*w+x1], b.Y[y*w+x0:y*w+x1]) {
					return mx, my, false
				}
			}
			for y := my * 8; y < min(h/2, my*8+8); y++ {
				o0, o1 := y*cw+x0/2, y*cw+x1/2
				if !bytes.Equal(a.U[o0:o1], b.U[o0:o1]) || !bytes.Equal(a.V[o0:o1], b.V[o0:o1]) {
					return mx, my, false
				}
			}
		}
	}
	return 0, 0, true
}
