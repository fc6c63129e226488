package render

import (
	"context"
	"errors"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestPoster renders with a poster at two sizes: the poster is a JPEG at
// the video's size, and its cover area (where the bars theme puts the
// cover) shows the cover, the test cover's colour ramps.
func TestPoster(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := rendertest.MakeAudio(t, dir, "tone.wav", 1)
	cover := rendertest.MakePNG(t, dir, 400, 400)
	tests := []struct {
		aspect    mvgen.Aspect
		res       mvgen.Resolution
		fullFrame bool
		w, h      int
		art       [4]int // the cover's x, y, width and height
	}{
		{"16:9", "", false, 1280, 720, [4]int{80, 80, 400, 400}},
		// Inside the platform-safe box (x 120–888, y 288–1248).
		{"9:16", "1080p", false, 1080, 1920, [4]int{264, 318, 480, 480}},
		{"9:16", "1080p", true, 1080, 1920, [4]int{120, 226, 840, 840}},
		{"4:5", "", false, 1080, 1350, [4]int{270, 90, 540, 540}},
	}
	for _, tt := range tests {
		t.Run(string(tt.aspect)+string(tt.res)+map[bool]string{true: "full"}[tt.fullFrame], func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			in := Input{Audio: audio, Cover: cover, Title: "Poster", Author: "Someone", Aspect: tt.aspect,
				Resolution: tt.res, FullFrame: tt.fullFrame, Out: filepath.Join(out, "v.mp4"), Poster: filepath.Join(out, "v.jpg")}
			r := Renderer{TempDir: t.TempDir(), Threads: 1}
			if _, err := r.Render(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(in.Poster)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := jpeg.Decode(f)
			if err != nil {
				t.Fatalf("decoding the poster: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Fatalf("poster is %d×%d, want %d×%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			x, y, w, h := tt.art[0], tt.art[1], tt.art[2], tt.art[3]
			// The test cover is red growing to the right, green growing
			// downwards, blue 160.
			r0, _, _, _ := img.At(x+w/10, y+h/2).RGBA()
			r1, _, b1, _ := img.At(x+w*9/10, y+h/2).RGBA()
			if r1>>8 < r0>>8+120 || b1>>8 < 120 || b1>>8 > 200 {
				t.Errorf("cover area: red %d → %d across, blue %d; want the cover's ramp (red up by 120+, blue about 160)",
					r0>>8, r1>>8, b1>>8)
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != 2 {
				t.Errorf("the output directory holds %d files, want the video and the poster", len(entries))
			}
		})
	}
}

// TestPosterNotWrittenOnFailure: a render that fails leaves no poster and
// no temporary file behind.
func TestPosterNotWrittenOnFailure(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir, out := t.TempDir(), t.TempDir()
	audio := rendertest.MakeAudio(t, dir, "tone.wav", 180) // long enough for a progress report (see TestRenderCanceled)
	ctx, cancel := context.WithCancel(context.Background())
	in := Input{Audio: audio, Title: "Cancelled", Out: filepath.Join(out, "v.mp4"), Poster: filepath.Join(out, "v.jpg"),
		Progress: func(float64) { cancel() }}
	r := Renderer{TempDir: t.TempDir(), Threads: 1}
	if _, err := r.Render(ctx, in); !errors.Is(err, context.Canceled) {
		t.Fatalf("Render: %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("the output directory holds %v, want nothing", entries)
	}
}
