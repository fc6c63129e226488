package render

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestRenderThemes renders three seconds of music with a cover and lyrics
// in every theme through Renderer.Render (the radial one at 60 fps, the
// lyric one in 9:16 at 1080p) and checks each MP4's video stream, and
// that each theme's picture is its own: a frame of each differs from the
// same frame of every other theme in more than a tenth of its pixels.
func TestRenderThemes(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio, cover := filepath.Join(dir, "music.wav"), rendertest.MakePNG(t, dir, 300, 300)
	rendertest.MakeMusic(t, audio, 3)
	ls, err := lyrics.ParseLRC([]byte("[00:00.30]<00:00.30>First <00:00.80>line\n[00:01.60]Second line\n"))
	if err != nil {
		t.Fatal(err)
	}
	frames := map[mvgen.Theme][]byte{}
	for _, theme := range mvgen.Themes {
		in := Input{Audio: audio, Cover: cover, Title: "Themes", Author: "Ada", Domain: "example.com", Lyrics: &ls,
			Theme: theme, Out: filepath.Join(dir, string(theme)+".mp4")}
		w, h, rate := 1280, 720, "30/1"
		switch theme {
		case mvgen.Radial:
			in.FPS, rate = 60, "60/1"
		case mvgen.Lyric:
			in.Aspect, in.Resolution, w, h = mvgen.Portrait, mvgen.FullHD, 1080, 1920
		}
		r := Renderer{TempDir: t.TempDir(), Threads: 2}
		if _, err := r.Render(context.Background(), in); err != nil {
			t.Fatalf("%s: %v", theme, err)
		}
		p := ffprobe(t, in.Out)
		for _, s := range p.Streams {
			if s.CodecType == "video" && (s.Width != w || s.Height != h || s.RFrame != rate) {
				t.Errorf("%s: video %d×%d at %s, want %d×%d at %s", theme, s.Width, s.Height, s.RFrame, w, h, rate)
			}
		}
		if theme == mvgen.Lyric {
			continue // another size: not compared
		}
		raw, err := exec.Command("ffmpeg", "-v", "error", "-ss", "2", "-i", in.Out, "-frames:v", "1",
			"-f", "rawvideo", "-pix_fmt", "gray", "pipe:1").Output()
		if err != nil {
			t.Fatalf("%s: decoding a frame: %v", theme, err)
		}
		for other, o := range frames {
			diff := 0
			for i := range min(len(raw), len(o)) {
				if d := int(raw[i]) - int(o[i]); d > 24 || d < -24 {
					diff++
				}
			}
			if diff < len(raw)/10 {
				t.Errorf("%s's frame differs from %s's in %d pixels of %d, want a tenth at least", theme, other, diff, len(raw))
			}
		}
		frames[theme] = raw
	}
}
