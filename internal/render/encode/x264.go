package encode

import (
	"context"
	"fmt"

	"github.com/mvgen/mvgen/internal/render/x264"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// X264 encodes in this process with libx264 (see package x264), one
// single-threaded encoder a goroutine: each frame is compared with the one
// before it, so that libx264 skips the macroblocks that did not change
// (X264_MBINFO_CONSTANT); only the macroblocks either frame marks as
// written are compared (see yuv.Frame.Marks), which at 1080p halves the
// time the comparison takes. It needs a build with cgo and libx264 (see
// InProcess).
type X264 struct{}

// Encode runs one encoder: it takes a GOP, draws each of its frames and
// encodes it with libx264, hands the GOP to gops, and so on until none is
// left. Two frame buffers take turns: one is drawn while the other holds
// the frame before it.
func (X264) Encode(ctx context.Context, v Video, fr Frames, gops *GOPs) error {
	enc, err := x264.Open(v.W, v.H, v.FPS, qpValue)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	defer enc.Close()
	ring := [2]*yuv.Frame{fr.New(), fr.New()}
	var changed []byte // where the frame may differ from the one before, when both frames mark it
	if ring[0].Marks() != nil && ring[1].Marks() != nil {
		changed = make([]byte, len(ring[0].Marks()))
	}
	n, size := 0, 0 // frames encoded; the last GOP's size, to size the next one's buffer
	for {
		g, first, end, ok := gops.Take()
		if !ok {
			return nil
		}
		out := gops.Buffer(size + size/4)
		for i := first; i < end; i++ {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("render: %w", err)
			}
			f, prev := ring[n%2], ring[(n+1)%2]
			if err := fr.Draw(f, i); err != nil {
				return err
			}
			var prevPix []byte
			if i > first {
				prevPix = prev.Pix
			}
			// Both frames are clones of the still picture: they differ
			// only where either has been written (changed is nil when
			// they do not say).
			if changed != nil {
				fm, pm := f.Marks(), prev.Marks()
				for m := range changed {
					changed[m] = fm[m] | pm[m]
				}
			}
			if out, err = enc.Encode(out, f.Pix, prevPix, changed, i == first, int64(i)); err != nil {
				return fmt.Errorf("render: %w", err)
			}
			n++
			gops.Drew()
		}
		size = len(out)
		if err := gops.Put(g, out); err != nil {
			return err
		}
	}
}
