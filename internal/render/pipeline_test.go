package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/encode"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
)

// gopFrames is the length of a GOP: 5 s (see encode.Video.GOP).
const gopFrames = 5 * DefaultFPS

// TestPipeDeliversFramesIntact checks the zero-copy pipes and the parallel
// encoding of the ffmpeg encoders (see encode.FFmpeg and encode.Run), which
// builds without libx264 use: the video Render encodes with three encoders
// from its pipes is the video one encoder makes, with the same arguments,
// from the same frames written to a file first. x264 is deterministic and
// its GOPs independent, so a frame changed while ffmpeg still had to read
// it, or a GOP out of place, would change the decoded frames.
func TestPipeDeliversFramesIntact(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.mp3")
	rendertest.MakeMusic(t, audio, 3.5*gopFrames/DefaultFPS)
	r := &Renderer{TempDir: t.TempDir(), Threads: 3, ffmpegEncoders: true}
	in := Input{Audio: audio, Cover: rendertest.MakePNG(t, dir, 300, 300), Title: "Intact", Author: "Pipe",
		Domain: "example.com", Out: filepath.Join(dir, "piped.mp4")}
	if _, err := r.Render(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	raw := writeFrames(t, r, in, filepath.Join(dir, "frames.yuv"))
	j := jobFor(t, r, in)
	w, h := scene.Size(j.aspect, j.resolution)
	video := encode.Video{W: w, H: h, FPS: DefaultFPS, Frames: j.frames}
	out := encode.Output{Path: filepath.Join(dir, "from-file.mp4"), Audio: j.audio, Duration: j.info.Duration,
		CopyAudio: j.copyAudio, AudioRate: j.audioRate}
	h264 := filepath.Join(dir, "from-file.h264")
	for _, args := range [][]string{encode.EncoderArgs(video, "file:"+raw, "file:"+h264), encode.MuxArgs(out, DefaultFPS, "file:"+h264)} {
		if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
			t.Fatalf("encoding the frames from a file: %v\n%s", err, out)
		}
	}
	piped, fromFile := frameHashes(t, in.Out), frameHashes(t, out.Path)
	if len(piped) == 0 || !bytes.Equal(piped, fromFile) {
		t.Errorf("the piped video's frames differ from the same frames encoded from a file:\n%s\n---\n%s", piped, fromFile)
	}
}

// TestInProcessVideoIsTheFrames checks the in-process encoders (see
// encode.X264 and package x264), which tell libx264 which
// macroblocks did not change: a macroblock marked unchanged by mistake
// would keep the last frame's picture, so every macroblock of every
// decoded frame is compared with the frame drawn. At each aspect and
// resolution (1080 is no multiple of 16: its last row of macroblocks
// sticks out of the picture), with lyrics, three encoders on four GOPs.
func TestInProcessVideoIsTheFrames(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	if !encode.InProcess {
		t.Skip("built without libx264")
	}
	t.Parallel()
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.mp3")
	rendertest.MakeMusic(t, audio, 3.5*gopFrames/DefaultFPS)
	ly := rendertest.Lyrics(t, 20)
	for _, c := range []struct {
		aspect mvgen.Aspect
		res    mvgen.Resolution
	}{{mvgen.Landscape, mvgen.HD}, {mvgen.Square, mvgen.HD}, {mvgen.Portrait, mvgen.FullHD}} {
		t.Run(string(c.aspect)+"_"+string(c.res), func(t *testing.T) {
			t.Parallel()
			r := &Renderer{TempDir: t.TempDir(), Threads: 3}
			in := Input{Audio: audio, Cover: rendertest.MakePNG(t, t.TempDir(), 300, 300), Title: "In process", Author: "x264",
				Domain: "example.com", Aspect: c.aspect, Resolution: c.res, Lyrics: &ly,
				Out: filepath.Join(t.TempDir(), "video.mp4")}
			if _, err := r.Render(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			raw := writeFrames(t, r, in, filepath.Join(t.TempDir(), "frames.yuv"))
			w, h := scene.Size(c.aspect, c.res)
			want, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := exec.Command("ffmpeg", "-v", "error", "-i", in.Out, "-map", "0:v", "-f", "rawvideo",
				"-pix_fmt", "yuv420p", "pipe:1").Output()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("the video decodes to %d bytes of frames, want %d", len(got), len(want))
			}
			size := w * h * 3 / 2
			worst, at := 0.0, ""
			for i := 0; i < len(want)/size; i++ {
				if e, mb := worstMacroblock(got[i*size:(i+1)*size], want[i*size:(i+1)*size], w, h); e > worst {
					worst, at = e, fmt.Sprintf("frame %d, macroblock %s", i, mb)
				}
			}
			// QP 14 leaves a mean error of about 1 in the worst macroblock
			// of a frame; a stale one differs by tens.
			t.Logf("largest mean error of a macroblock's luma: %.2f (%s)", worst, at)
			if worst > 4 {
				t.Errorf("a macroblock's luma differs from the frame drawn by %.2f on average (%s), want at most 4", worst, at)
			}
		})
	}
}

// worstMacroblock returns the largest mean absolute difference of the luma
// of a 16×16 macroblock (or the part of it inside the picture) between two
// yuv420p pictures of w×h, and where it is.
func worstMacroblock(a, b []byte, w, h int) (float64, string) {
	worst, at := 0.0, ""
	for my := 0; my*16 < h; my++ {
		for mx := 0; mx*16 < w; mx++ {
			sum, n := 0, 0
			for y := my * 16; y < min(h, my*16+16); y++ {
				for x := mx * 16; x < min(w, mx*16+16); x++ {
					d := int(a[y*w+x]) - int(b[y*w+x])
					sum += max(d, -d)
					n++
				}
			}
			if e := float64(sum) / float64(n); e > worst {
				worst, at = e, fmt.Sprintf("(%d, %d)", mx, my)
			}
		}
	}
	return worst, at
}

// writeFrames writes the frames Render draws for in, raw, to path.
func writeFrames(t *testing.T, r *Renderer, in Input, path string) string {
	t.Helper()
	raw, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.render(context.Background(), in, raw)
	if cerr := raw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// jobFor returns the job Render makes for in.
func jobFor(t testing.TB, r *Renderer, in Input) job {
	t.Helper()
	info, err := r.CheckSource(context.Background(), in.Audio)
	if err != nil {
		t.Fatal(err)
	}
	a, err := mvgen.ParseAspect(string(in.Aspect))
	if err != nil {
		t.Fatal(err)
	}
	res, err := mvgen.ParseResolution(string(in.Resolution))
	if err != nil {
		t.Fatal(err)
	}
	j, err := newJob(in, info, a, res)
	if err != nil {
		t.Fatal(err)
	}
	return j
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
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.mp3")
	rendertest.MakeMusic(t, audio, 4*gopFrames/DefaultFPS)
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
			r := &Renderer{FFmpeg: wrapper, TempDir: work, Threads: 2, ffmpegEncoders: tt.step == "encode"}
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
