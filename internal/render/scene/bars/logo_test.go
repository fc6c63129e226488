package bars

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/text"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// greenLogo is a 60×30 logo: pure green with a transparent 5-pixel border.
func greenLogo() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 60, 30))
	for y := 5; y < 25; y++ {
		for x := 5; x < 55; x++ {
			img.SetNRGBA(x, y, color.NRGBA{0, 255, 0, 255})
		}
	}
	return img
}

// green returns the bounding box of the chroma samples of f that are
// strongly green (the logo: U and V both far below neutral), in luma
// pixels, and how many there are.
func green(f *yuv.Frame) (box yuv.Rect, n int) {
	cw := f.W / 2
	x0, y0, x1, y1 := f.W, f.H, 0, 0
	for y := range f.H / 2 {
		for x := range cw {
			if f.U[y*cw+x] < 90 && f.V[y*cw+x] < 90 {
				n++
				x0, y0, x1, y1 = min(x0, 2*x), min(y0, 2*y), max(x1, 2*x+2), max(y1, 2*y+2)
			}
		}
	}
	if n == 0 {
		return yuv.Rect{}, 0
	}
	return yuv.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, n
}

func inside(r, box yuv.Rect) bool {
	return r.X >= box.X && r.Y >= box.Y && r.X+r.W <= box.X+box.W && r.Y+r.H <= box.Y+box.H
}

// TestLogoInWatermark runs the static step with and without a logo, in
// 16:9 and in 9:16 (platform-safe), over a red background: with one, the
// logo's green lies inside the watermark's column, level with the domain
// and left of it, and inside the safe box; without one, there is no green
// at all. The domain is still drawn beside it.
func TestLogoInWatermark(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	main, bold := text.DefaultFonts()
	red := mvgen.Color{255, 0, 0}
	for _, tt := range []struct {
		aspect mvgen.Aspect
		domain string
	}{
		{mvgen.Landscape, "example.com"},
		{mvgen.Portrait, "example.com"},
		{mvgen.Portrait, ""}, // the logo alone in the box
		{mvgen.Landscape, "a-rather-long-domain-name-for-a-watermark.example.com"},
	} {
		for _, logo := range []image.Image{nil, greenLogo()} {
			th := New(scene.Spec{Aspect: tt.aspect, Resolution: mvgen.HD, FPS: frameRate, Frames: frameRate,
				Duration: time.Second, Title: "Title", Author: "Author", Domain: tt.domain, Accent: &red, Logo: logo,
				Font: main, BoldFont: bold, Work: t.TempDir(), FFmpeg: &ffmpeg.Runner{}})
			still, err := th.Still(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			name := string(tt.aspect) + " " + tt.domain
			box, n := green(still)
			if logo == nil {
				if n != 0 {
					t.Errorf("%s without a logo: %d green samples at %+v, want none", name, n, box)
				}
				continue
			}
			l := th.l
			mx, mw := l.markColumn()
			column := yuv.Rect{X: mx, Y: l.MarkBase - 2*l.MarkSize, W: mw, H: 3 * l.MarkSize}
			fr := scene.FrameFor(tt.aspect, mvgen.HD, false)
			if n < 20 || !inside(box, column) || !inside(box, fr.Safe) {
				t.Errorf("%s: %d green samples in %+v; want 20+ inside the watermark column %+v and the safe box %+v",
					name, n, box, column, fr.Safe)
			}
			if box.H < l.MarkSize/2 || box.H > 2*l.MarkSize {
				t.Errorf("%s: the logo is %d pixels high, want about the text's %d", name, box.H, l.MarkSize)
			}
			if tt.domain == "" {
				continue
			}
			// The domain: bright pixels right of the logo on its rows.
			bright := 0
			for y := box.Y; y < box.Y+box.H; y++ {
				for x := box.X + box.W; x < mx+mw; x++ {
					if still.Y[y*l.W+x] > 170 {
						bright++
					}
				}
			}
			if bright < 30 {
				t.Errorf("%s: %d bright pixels right of the logo, want the domain there", name, bright)
			}
			if th.card != nil {
				if _, n := green(th.card); n == 0 {
					t.Errorf("%s: the intro card has no logo", name)
				}
			}
		}
	}
}
