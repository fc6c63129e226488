package render

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// frameKeeper is a sink of raw frames that keeps every step-th frame.
type frameKeeper struct {
	size, step int
	cur        []byte
	n          int
	kept       [][]byte
}

func (k *frameKeeper) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		take := min(len(p), k.size-len(k.cur))
		k.cur = append(k.cur, p[:take]...)
		p = p[take:]
		if len(k.cur) == k.size {
			if k.n%k.step == 0 {
				k.kept = append(k.kept, k.cur)
			}
			k.cur, k.n = nil, k.n+1
		}
	}
	return written, nil
}

// TestSafeAreaHoldsEveryText renders, in every theme, two 9:16 videos
// that differ only in their texts (title, author, domain and lyrics: short
// and Latin against the longest, in CJK), with the same audio and cover,
// at both resolutions, and compares their frames: every pixel where they
// differ lies inside the platform-safe box (scene.PortraitSafe, scaled),
// the second's brand logo included. With "safeArea": false (FullFrame)
// they differ outside it, so the comparison can fail (checked in the bars
// theme).
func TestSafeAreaHoldsEveryText(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	for _, theme := range mvgen.Themes {
		t.Run(string(theme), func(t *testing.T) {
			t.Parallel()
			checkSafeArea(t, theme)
		})
	}
}

// checkSafeArea is TestSafeAreaHoldsEveryText in theme.
func checkSafeArea(t *testing.T, theme mvgen.Theme) {
	dir := t.TempDir()
	audio := filepath.Join(dir, "song.wav")
	rendertest.MakeMusic(t, audio, 5)
	cover := rendertest.MakePNG(t, dir, 400, 400)
	parse := func(lrc string) *lyrics.Lyrics {
		l, err := lyrics.ParseLRC([]byte(lrc))
		if err != nil {
			t.Fatal(err)
		}
		return &l
	}
	long := strings.Repeat("夜のドライブ ", 9)
	a := Input{Title: "Short", Author: "Ann", Domain: "a.io",
		Lyrics: parse("[00:00.50]<00:00.50>Hello <00:01.00>world\n[00:02.50]Second line\n")}
	// b has the brand logo too, drawn in the watermark's box before its
	// domain: the box widens, and stays inside the safe box.
	logo := filepath.Join(dir, "logo.png")
	if err := os.Rename(rendertest.MakePNG(t, t.TempDir(), 300, 100), logo); err != nil {
		t.Fatal(err)
	}
	b := Input{Title: strings.Repeat("A much longer title ", 3), Author: strings.Repeat("作者", 25),
		Domain: strings.Repeat("d", 46) + ".com", Logo: logo,
		Lyrics: parse("[00:00.60]" + long + "\n[00:02.00]<00:02.00>" + long + "<00:03.00>end\n[00:04.00]" + long + "\n")}
	for _, tt := range []struct {
		res       mvgen.Resolution
		fullFrame bool
		wantOut   bool // the frames differ outside the box
	}{
		{mvgen.HD, false, false},
		{mvgen.FullHD, false, false},
		{mvgen.HD, true, true},
	} {
		if tt.fullFrame && theme != mvgen.Bars {
			continue // once is enough to show that the comparison can fail
		}
		fr := scene.FrameFor(mvgen.Portrait, tt.res, false)
		frames := make([][][]byte, 2)
		for i, in := range []Input{a, b} {
			in.Audio, in.Cover, in.Out = audio, cover, filepath.Join(dir, "unused.mp4")
			in.Aspect, in.Resolution, in.FullFrame, in.Theme = mvgen.Portrait, tt.res, tt.fullFrame, theme
			k := &frameKeeper{size: fr.W * fr.H * 3 / 2, step: 10}
			r := Renderer{TempDir: t.TempDir(), Threads: 2}
			if _, err := r.render(context.Background(), in, k); err != nil {
				t.Fatalf("render: %v", err)
			}
			frames[i] = k.kept
		}
		if len(frames[0]) != 15 || len(frames[1]) != 15 {
			t.Fatalf("kept %d and %d frames, want 15 each", len(frames[0]), len(frames[1]))
		}
		var inside, outside int
		for n := range frames[0] {
			in, out := diffAround(frames[0][n], frames[1][n], fr)
			inside += in
			outside += out
			if out > 0 && !tt.wantOut {
				t.Logf("frame %d: %d outside, bbox %v", n*10, out, outsideBox(frames[0][n], frames[1][n], fr))
			}
		}
		name := string(tt.res) + map[bool]string{true: " full frame"}[tt.fullFrame]
		if inside < 1000 {
			t.Errorf("%s: %d samples differ inside the box, want the texts to differ", name, inside)
		}
		if got := outside > 0; got != tt.wantOut {
			t.Errorf("%s: %d samples differ outside the safe box %+v; want some: %v", name, outside, fr.Safe, tt.wantOut)
		}
	}
}

// diffAround counts the samples of two yuv420p frames of fr's size that
// differ inside and outside fr's safe box (in the chroma planes, the box
// halved).
func diffAround(x, y []byte, fr scene.Frame) (inside, outside int) {
	planes := []struct {
		off, w, h int
		box       yuv.Rect
	}{
		{0, fr.W, fr.H, fr.Safe},
		{fr.W * fr.H, fr.W / 2, fr.H / 2, yuv.Rect{X: fr.Safe.X / 2, Y: fr.Safe.Y / 2, W: fr.Safe.W / 2, H: fr.Safe.H / 2}},
		{fr.W * fr.H * 5 / 4, fr.W / 2, fr.H / 2, yuv.Rect{X: fr.Safe.X / 2, Y: fr.Safe.Y / 2, W: fr.Safe.W / 2, H: fr.Safe.H / 2}},
	}
	for _, p := range planes {
		for row := range p.h {
			for col := range p.w {
				i := p.off + row*p.w + col
				if x[i] == y[i] {
					continue
				}
				if col >= p.box.X && col < p.box.X+p.box.W && row >= p.box.Y && row < p.box.Y+p.box.H {
					inside++
				} else {
					outside++
				}
			}
		}
	}
	return inside, outside
}

func outsideBox(x, y []byte, fr scene.Frame) [4]int {
	b := [4]int{1 << 30, 1 << 30, -1, -1}
	for row := range fr.H {
		for col := range fr.W {
			i := row*fr.W + col
			if x[i] != y[i] && !(col >= fr.Safe.X && col < fr.Safe.X+fr.Safe.W && row >= fr.Safe.Y && row < fr.Safe.Y+fr.Safe.H) {
				b = [4]int{min(b[0], col), min(b[1], row), max(b[2], col), max(b[3], row)}
			}
		}
	}
	return b
}
