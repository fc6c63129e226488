package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/durable/durabletest"
)

// lyingMP3 writes an MP3 of tone seconds whose Xing/Info header says it
// holds only frames frames, so ffprobe reports a far shorter duration than
// the file decodes to.
func lyingMP3(tb testing.TB, dir string, tone float64, frames uint32) string {
	tb.Helper()
	path := filepath.Join(dir, "lying.mp3")
	ffmpeg(tb, "-f", "lavfi", "-i", "sine=frequency=440:duration="+strconv.FormatFloat(tone, 'f', -1, 64),
		"-c:a", "libmp3lame", "-b:a", "128k", path)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	i := bytes.Index(data, []byte("Info"))
	if i < 0 {
		i = bytes.Index(data, []byte("Xing"))
	}
	if i < 0 || binary.BigEndian.Uint32(data[i+4:])&1 == 0 {
		tb.Fatal("the MP3 has no Xing/Info frame count to patch")
	}
	binary.BigEndian.PutUint32(data[i+8:], frames)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestRenderReadsOnlyTheProbedDuration renders an MP3 that decodes to 20 s
// but whose header says 2 s: the duration checked against MaxDuration. The
// decoder feeding the analysis and the muxer must both stop at 2 s.
func TestRenderReadsOnlyTheProbedDuration(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	src := lyingMP3(t, dir, 20, 76) // 76 frames of 1152 samples at 44.1 kHz: 1.985 s
	r := Renderer{TempDir: dir, Threads: 1}
	info, err := r.Probe(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration > 3*time.Second {
		t.Fatalf("probed duration %v, want about 2 s (the header was not patched)", info.Duration)
	}

	p := plan{Audio: src, Duration: info.Duration}
	samples, err := exec.Command("ffmpeg", decodeArgs(p)...).Output()
	if err != nil {
		t.Fatalf("decoder: %v", err)
	}
	if got, want := len(samples), int(info.Duration.Seconds()*analysisRate)*4; got > want+4096 {
		t.Errorf("decoder wrote %d bytes of samples, want at most about %d", got, want)
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
	requireFFmpeg(t)
	if dir := os.Getenv(durabletest.HelperEnv); dir != "" {
		r := Renderer{TempDir: dir, Threads: 1}
		if _, err := r.Render(context.Background(), Input{Audio: filepath.Join(dir, "a.mp3"),
			Out: filepath.Join(dir, "out", "v.mp4")}); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	makeAudio(t, dir, "a.mp3", 1)
	os.Mkdir(filepath.Join(dir, "out"), 0o700)
	calls := durabletest.Trace(t, "TestRenderOutputDurable", dir)
	durabletest.CheckRename(t, calls, filepath.Join(dir, "out", "v.mp4"))
}
