package render

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// meanDiff is the mean absolute difference of two luma planes.
func meanDiff(a, b []byte) float64 {
	var sum int
	for i := range a {
		d := int(a[i]) - int(b[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a))
}

// TestPictureMovesWithMusic renders three seconds of music followed by four
// of digital silence: frame to frame, the picture changes clearly during the
// music and not at all (but for the progress line) once the silence has
// settled and the intro card has gone.
func TestPictureMovesWithMusic(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	music, silence := filepath.Join(dir, "music.wav"), filepath.Join(dir, "track.wav")
	rendertest.MakeMusic(t, music, 3)
	rendertest.FFmpeg(t, "-i", music, "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo:d=4",
		"-filter_complex", "[0][1]concat=n=2:v=0:a=1", silence)
	out := filepath.Join(dir, "video.mp4")
	r := Renderer{TempDir: t.TempDir(), Threads: 1}
	if _, err := r.Render(context.Background(), Input{Audio: silence, Cover: rendertest.MakePNG(t, dir, 500, 500),
		Title: "Loud then silent", Author: "Tester", Domain: "example.com", Out: out}); err != nil {
		t.Fatal(err)
	}
	frames := rendertest.GrayFrames(t, out, 1280, 720)
	if len(frames) != 7*DefaultFPS {
		t.Fatalf("got %d frames, want %d", len(frames), 7*DefaultFPS)
	}
	mean := func(from, to int) float64 {
		var sum float64
		for i := from; i < to; i++ {
			sum += meanDiff(frames[i-1], frames[i])
		}
		return sum / float64(to-from)
	}
	// The music plays from 0 to 3 s, the card dissolves from 3 to 4 s and
	// the bars and pulse settle within about 1.2 s of the silence.
	loud, still := mean(DefaultFPS/2, 3*DefaultFPS-5), mean(5*DefaultFPS, 7*DefaultFPS)
	t.Logf("mean absolute luma difference between frames: %.3f with music, %.4f in silence", loud, still)
	// The bars' band is about a sixth of the frame, so a clear change
	// there is a mean of a few tenths over the whole frame.
	if loud < 0.25 {
		t.Errorf("with music, frames differ by %.3f on average, want at least 0.25", loud)
	}
	if still > 0.05 || loud < 10*still {
		t.Errorf("in silence, frames differ by %.4f on average, want at most 0.05 and a tenth of %.3f", still, loud)
	}
	if bytes.Equal(frames[10], frames[11]) {
		t.Error("two frames with music are identical")
	}
}
