package render

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPipeDeliversFramesIntact checks the zero-copy pipes (see frameWriter)
// and the parallel encoding (see encode): the video Render encodes with
// three encoders from its pipes is the video one encoder makes, with the
// same arguments, from the same frames written to a file first. x264 is
// deterministic and its GOPs independent, so a frame changed while ffmpeg
// still had to read it, or a GOP out of place, would change the decoded
// frames.
func TestPipeDeliversFramesIntact(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.mp3")
	makeMusic(t, audio, 3.5*gopFrames/frameRate)
	r := &Renderer{TempDir: t.TempDir(), Threads: 3}
	in := Input{Audio: audio, Cover: makePNG(t, dir, 300, 300), Title: "Intact", Author: "Pipe",
		Domain: "example.com", Out: filepath.Join(dir, "piped.mp4")}
	if _, err := r.Render(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	raw, err := os.Create(filepath.Join(dir, "frames.yuv"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := r.render(context.Background(), in, raw)
	if err == nil {
		err = raw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.newPlan(in, info, Landscape, HD)
	if err != nil {
		t.Fatal(err)
	}
	p.Out = filepath.Join(dir, "from-file.mp4")
	h264 := filepath.Join(dir, "from-file.h264")
	for _, args := range [][]string{encodeArgs(p, "file:"+raw.Name(), "file:"+h264), muxArgs(p, "file:"+h264)} {
		if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
			t.Fatalf("encoding the frames from a file: %v\n%s", err, out)
		}
	}
	piped, fromFile := frameHashes(t, in.Out), frameHashes(t, p.Out)
	if len(piped) == 0 || !bytes.Equal(piped, fromFile) {
		t.Errorf("the piped video's frames differ from the same frames encoded from a file:\n%s\n---\n%s", piped, fromFile)
	}
}

// frameHashes returns ffmpeg's framemd5 of the video stream at path,
// without its header.
func frameHashes(t *testing.T, path string) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("hashing %s: %v", path, err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(out, []byte("\n")) {
		if len(l) > 0 && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

// TestStepFailures makes one encoder, or the muxer, fail partway (through
// a wrapper around ffmpeg): Render must return that step's error, with its
// stderr, rather than hang or blame the source, and leave nothing behind.
func TestStepFailures(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.mp3")
	makeMusic(t, audio, 4*gopFrames/frameRate)
	for _, tt := range []struct {
		name, match, step string
	}{
		// The second encoder to start reads a few frames and dies.
		{"encoder", `*libx264*) if mkdir "$0.once" 2>/dev/null; then exec "$REAL" "$@"; fi
			head -c 5000000 >/dev/null; echo "encoder gave up" >&2; exit 3 ;;`, "encode"},
		{"muxer", `*movflags*) head -c 100000 >/dev/null; echo "muxer gave up" >&2; exit 3 ;;`, "mux"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			work, outDir := t.TempDir(), t.TempDir()
			wrapper := filepath.Join(t.TempDir(), "ffmpeg")
			script := "#!/bin/sh\nREAL=" + real + "\ncase \"$*\" in\n" + tt.match + "\nesac\nexec \"$REAL\" \"$@\"\n"
			if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			r := &Renderer{FFmpeg: wrapper, TempDir: work, Threads: 2}
			_, err := r.Render(context.Background(), Input{Audio: audio, Title: "fail", Out: filepath.Join(outDir, "out.mp4")})
			if err == nil {
				t.Fatal("Render succeeded")
			}
			var ie *InputError
			if errors.As(err, &ie) {
				t.Errorf("Render error is an *InputError: %v", err)
			}
			if want := tt.name + " gave up"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "("+tt.step+")") {
				t.Errorf("Render error %q, want the %s step's error with %q", err, tt.step, want)
			}
			assertEmptyDir(t, outDir)
			assertEmptyDir(t, work)
		})
	}
}
