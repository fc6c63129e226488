package render

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/durable/durabletest"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestRenderReadsOnlyTheProbedDuration renders an MP3 that decodes to 20 s
// but whose header says 2 s: the duration checked against MaxDuration. The
// muxer must stop at 2 s (the decoder feeding the analysis too:
// source.TestDecodeReadsOnlyTheProbedDuration).
func TestRenderReadsOnlyTheProbedDuration(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	src := rendertest.LyingMP3(t, dir, 20, 76) // 76 frames of 1152 samples at 44.1 kHz: 1.985 s
	r := Renderer{TempDir: dir, Threads: 1}
	info, err := r.Probe(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration > 3*time.Second {
		t.Fatalf("probed duration %v, want about 2 s (the header was not patched)", info.Duration)
	}

	out := filepath.Join(dir, "out.mp4")
	if _, err := r.Render(context.Background(), Input{Audio: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	if got, want := ffprobe(t, out).duration(t), info.Duration.Seconds()+0.1; got > want {
		t.Errorf("video lasts %.3f s, want at most %.3f s (the probed duration)", got, want)
	}
}

// TestRenderOutputDurable renders under strace (the test runs itself
// again) and checks that the video is flushed before it is renamed into
// place and its directory after.
func TestRenderOutputDurable(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	if dir := os.Getenv(durabletest.HelperEnv); dir != "" {
		r := Renderer{TempDir: dir, Threads: 1}
		if _, err := r.Render(context.Background(), Input{Audio: filepath.Join(dir, "a.mp3"),
			Out: filepath.Join(dir, "out", "v.mp4")}); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	rendertest.MakeAudio(t, dir, "a.mp3", 1)
	os.Mkdir(filepath.Join(dir, "out"), 0o700)
	calls := durabletest.Trace(t, "TestRenderOutputDurable", dir)
	durabletest.CheckRename(t, calls, filepath.Join(dir, "out", "v.mp4"))
}
