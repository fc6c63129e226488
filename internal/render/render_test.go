package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
)

const hostileTitle = "It's \"50%\" off: C:\\path\n%{pts} [x];y,z"

// probed is the part of ffprobe's output the tests check.
type probed struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		PixFmt    string `json:"pix_fmt"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		BitRate   string `json:"bit_rate"`
		RFrame    string `json:"r_frame_rate"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobe(tb testing.TB, path string) probed {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json",
		"-show_format", "-show_streams", path).Output()
	if err != nil {
		tb.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		tb.Fatal(err)
	}
	return p
}

func (p probed) duration(tb testing.TB) float64 {
	tb.Helper()
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		tb.Fatalf("format duration %q: %v", p.Format.Duration, err)
	}
	return d
}

// topLevelBoxes returns the types of the top-level boxes of an MP4 file.
func topLevelBoxes(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var types []string
	var off int64
	for {
		var hdr [16]byte
		if _, err := f.ReadAt(hdr[:8], off); err == io.EOF {
			return types
		} else if err != nil {
			tb.Fatal(err)
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		types = append(types, string(hdr[4:8]))
		switch size {
		case 0:
			return types
		case 1:
			if _, err := f.ReadAt(hdr[8:16], off+8); err != nil {
				tb.Fatal(err)
			}
			size = int64(binary.BigEndian.Uint64(hdr[8:16]))
		}
		if size < 8 {
			tb.Fatalf("box %q at %d has size %d", hdr[4:8], off, size)
		}
		off += size
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// assertEmptyDir fails when dir holds anything.
func assertEmptyDir(tb testing.TB, dir string) {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		tb.Errorf("left behind in %s: %s", dir, e.Name())
	}
}

// progressLog records Progress calls.
type progressLog struct{ calls []float64 }

func (p *progressLog) record(f float64) { p.calls = append(p.calls, f) }

func (p *progressLog) check(tb testing.TB) {
	tb.Helper()
	if len(p.calls) == 0 {
		tb.Fatal("got no Progress calls, want at least the final 1")
	}
	for i := 1; i < len(p.calls); i++ {
		if p.calls[i] <= p.calls[i-1] {
			tb.Errorf("Progress went from %v to %v, want increasing", p.calls[i-1], p.calls[i])
		}
	}
	if first := p.calls[0]; first < 0 {
		tb.Errorf("first Progress %v, want >= 0", first)
	}
	if last := p.calls[len(p.calls)-1]; last != 1 {
		tb.Errorf("last Progress %v, want 1", last)
	}
}

// parseInt reads ffprobe's integers; 0 when it cannot.
func parseInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func TestRender(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	tests := []struct {
		name        string
		audio       string // file name; its extension picks the format
		cover       string // "", "png", "jpeg" or "webp"
		aspect      string
		title       string
		author      string
		domain      string
		wantCodec   string
		wantBitRate func(src, got int64) bool
	}{
		{"mp3 with png cover and hostile text, 16:9", "in.mp3", "png", "", hostileTitle, "周杰倫", "example.com", "mp3",
			func(src, got int64) bool { return math.Abs(float64(got-src)) <= 0.01*float64(src) }},
		// AAC's fast coder spends what the sound needs, up to the rate asked
		// for (320 kbit/s here, TestFFmpegArgsGolden checks the arguments):
		// about 140 kbit/s for this sine, 266 for the benchmark's music.
		{"wav without cover, 1:1", "in.wav", "", "1:1", "Plain", "", "", "aac",
			func(_, got int64) bool { return got >= 120_000 && got <= 330_000 }},
		{"flac with webp cover, 9:16", "in.flac", "webp", "9:16", "", "作者", "mvgen.example", "aac",
			func(_, got int64) bool { return got >= 120_000 && got <= 330_000 }},
		{"wav with png cover, 4:5", "in.wav", "png", "4:5", "Feed", "Ann", "feed.example", "aac",
			func(_, got int64) bool { return got >= 120_000 && got <= 330_000 }},
		{"mp3 with jpeg cover, 1:1", "in.mp3", "jpeg", "1:1", "Café Ünïcødé 夜", "Zoë", "ex.com", "mp3",
			func(src, got int64) bool { return math.Abs(float64(got-src)) <= 0.01*float64(src) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, outDir, work := t.TempDir(), t.TempDir(), t.TempDir()
			in := Input{Audio: rendertest.MakeAudio(t, dir, tt.audio, 2), Title: tt.title, Author: tt.author,
				Domain: tt.domain, Aspect: mvgen.Aspect(tt.aspect), Out: filepath.Join(outDir, "video.mp4")}
			switch tt.cover {
			case "png":
				in.Cover = rendertest.MakePNG(t, dir, 640, 480)
			case "jpeg":
				in.Cover = filepath.Join(dir, "cover.jpg")
				rendertest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=300x500", "-frames:v", "1", in.Cover)
			case "webp":
				in.Cover = filepath.Join(dir, "cover.webp")
				rendertest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", "-c:v", "libwebp", in.Cover)
			}
			var prog progressLog
			in.Progress = prog.record
			r := Renderer{TempDir: work, Threads: 1}

			info, err := r.Render(context.Background(), in)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			src, out := ffprobe(t, in.Audio), ffprobe(t, in.Out)
			if got, want := info.Duration.Seconds(), src.duration(t); math.Abs(got-want) > 0.001 {
				t.Errorf("Info.Duration %v s, want %v s", got, want)
			}
			if got, want := out.duration(t), src.duration(t); math.Abs(got-want) > 1.0/30 {
				t.Errorf("output duration %v s, want %v s within 1/30 s", got, want)
			}
			aspect, _ := mvgen.ParseAspect(tt.aspect)
			checkVideoStreams(t, out, aspect, tt.wantCodec, info.BitRate, tt.wantBitRate)
			boxes := topLevelBoxes(t, in.Out)
			if m, d := indexOf(boxes, "moov"), indexOf(boxes, "mdat"); m < 0 || d < 0 || m > d {
				t.Errorf("top-level boxes %v, want moov before mdat (faststart)", boxes)
			}
			prog.check(t)
			assertEmptyDir(t, work)
			if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
				t.Errorf("output directory holds %d entries, want only the video", len(entries))
			}
		})
	}
}

// checkVideoStreams checks for one 30 fps H.264 stream of the aspect's
// size and one audio stream of the wanted codec and bit rate.
func checkVideoStreams(t *testing.T, out probed, a mvgen.Aspect, wantCodec string, srcRate int64, rateOK func(src, got int64) bool) {
	t.Helper()
	w, h := scene.Size(a, mvgen.HD)
	var video, audio int
	for _, s := range out.Streams {
		switch s.CodecType {
		case "video":
			video++
			if s.CodecName != "h264" || s.Width != w || s.Height != h || s.RFrame != "30/1" || s.PixFmt != "yuv420p" {
				t.Errorf("video stream %s %s %dx%d @%s, want h264 yuv420p %dx%d @30/1",
					s.CodecName, s.PixFmt, s.Width, s.Height, s.RFrame, w, h)
			}
		case "audio":
			audio++
			if s.CodecName != wantCodec {
				t.Errorf("audio codec %s, want %s", s.CodecName, wantCodec)
			}
			if got := parseInt(s.BitRate); !rateOK(srcRate, got) {
				t.Errorf("audio bit rate %d (source %d), not what %s wants", got, srcRate, wantCodec)
			}
		}
	}
	if video != 1 || audio != 1 {
		t.Errorf("got %d video and %d audio streams, want 1 and 1", video, audio)
	}
}

// truncated returns the first n bytes of the file at path.
func truncated(tb testing.TB, path string, n int) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data[:n]
}

// corruptPNG returns a PNG with a valid header and garbage pixel data.
func corruptPNG(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(rendertest.MakePNG(tb, tb.TempDir(), 64, 64))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 60; i < len(data)-20; i++ {
		data[i] ^= 0x5a
	}
	return data
}

// TestRenderSixtyFPS renders 3 s at 60 frames a second, with lyrics: the
// video says 60/1, has 180 frames, and lasts as long as the audio.
func TestRenderSixtyFPS(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	ls, err := lyrics.ParseLRC([]byte("[00:00.50]First line\n[00:01.80]Second line\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Audio: rendertest.MakeAudio(t, dir, "in.mp3", 3), Title: "Sixty", Author: "Ada", Domain: "example.com",
		FPS: 60, Lyrics: &ls, Out: filepath.Join(dir, "video.mp4")}
	r := Renderer{TempDir: t.TempDir(), Threads: 2}
	info, err := r.Render(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	p := ffprobe(t, in.Out)
	var rate string
	for _, s := range p.Streams {
		if s.CodecType == "video" {
			rate = s.RFrame
		}
	}
	if rate != "60/1" {
		t.Errorf("frame rate %q, want 60/1", rate)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-count_frames",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", in.Out).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := int(math.Ceil(info.Duration.Seconds()*60 - 1e-6))
	if got, _ := strconv.Atoi(strings.TrimSpace(string(out))); got != want {
		t.Errorf("%d frames, want %d", got, want)
	}
	if d := p.duration(t); math.Abs(d-info.Duration.Seconds()) > 1.0/60+0.03 {
		t.Errorf("duration %.3f s, want %.3f s", d, info.Duration.Seconds())
	}
}

// TestRenderAccentColor renders music under a red cover with two accent
// colours: the bright, coloured pixels of the bars' band (y 530–650 at
// 16:9 720p) take each accent's hue, not the cover's.
func TestRenderAccentColor(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.wav")
	rendertest.MakeMusic(t, audio, 3)
	cover := filepath.Join(dir, "cover.png") // pure red: the hue a render would pick
	rendertest.FFmpeg(t, "-f", "lavfi", "-i", "color=c=0xff0000:s=200x200", "-frames:v", "1", cover)
	for _, c := range []struct {
		accent string
		hue    float64
	}{{"#2060ff", 224}, {"#20d040", 129}} {
		t.Run(c.accent, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "video.mp4")
			r := Renderer{TempDir: t.TempDir(), Threads: 1}
			if _, err := r.Render(context.Background(), Input{Audio: audio, Cover: cover, Title: "Accent",
				AccentColor: c.accent, Out: out}); err != nil {
				t.Fatal(err)
			}
			raw, err := exec.Command("ffmpeg", "-v", "error", "-ss", "2.5", "-i", out, "-frames:v", "1",
				"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1").Output()
			if err != nil {
				t.Fatal(err)
			}
			var x, y, n float64 // the mean hue of the bars' pixels, as a vector
			for i := 0; i+2 < len(raw); i += 3 {
				r, g, b := float64(raw[i]), float64(raw[i+1]), float64(raw[i+2])
				hi, lo := max(r, g, b), min(r, g, b)
				if y := i / 3 / 1280; y < 530 || y > 650 || hi < 150 || (hi-lo)/hi < 0.3 {
					continue // outside the bars' band, dim, or grey
				}
				h := math.Atan2(math.Sqrt(3)*(g-b), 2*r-g-b)
				x, y, n = x+math.Cos(h), y+math.Sin(h), n+1
			}
			if n < 1000 {
				t.Fatalf("only %.0f bright, coloured pixels in the bars' band: no bars?", n)
			}
			hue := math.Mod(math.Atan2(y, x)*180/math.Pi+360, 360)
			if d := math.Abs(math.Mod(hue-c.hue+540, 360) - 180); d > 25 {
				t.Errorf("bars' hue %.0f°, want the accent's %.0f° (±25°; the cover is red, 0°)", hue, c.hue)
			}
		})
	}
}

func TestRenderInputErrors(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	good := rendertest.MakeAudio(t, dir, "good.mp3", 1)
	garbage := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		r       Renderer
		in      Input
		wantMsg string // a substring of the InputError's message
	}{
		{"corrupt mp3", Renderer{}, Input{Audio: write("random.mp3", garbage)}, "not a decodable audio file"},
		{"png as audio", Renderer{}, Input{Audio: rendertest.MakePNG(t, t.TempDir(), 32, 32)}, "not a decodable audio file"},
		{"too long", Renderer{MaxDuration: time.Second}, Input{Audio: good}, "the limit is 1s"},
		{"too large", Renderer{MaxBytes: 1000}, Input{Audio: good}, "the limit is 1000 bytes"},
		{"missing audio", Renderer{}, Input{Audio: filepath.Join(dir, "nope.mp3")}, "source audio not found"},
		{"unknown aspect", Renderer{}, Input{Audio: good, Aspect: "4:3"}, `"16:9", "1:1", "9:16" or "4:5"`},
		{"unknown resolution", Renderer{}, Input{Audio: good, Resolution: "4k"}, `"720p" or "1080p"`},
		{"unknown frame rate", Renderer{}, Input{Audio: good, FPS: 25}, "fps 25 is not 30 or 60"},
		{"accent colour by name", Renderer{}, Input{Audio: good, AccentColor: "red"}, `accent colour: "red" is not a colour written #rrggbb`},
		{"mp3 header over garbage", Renderer{}, Input{Audio: write("garbled.mp3",
			append(truncated(t, rendertest.MakeAudio(t, dir, "long.mp3", 3), 4000), garbage...))}, "could not be decoded"},
		{"corrupt png cover", Renderer{}, Input{Audio: good, Cover: write("bad.png", corruptPNG(t))}, "cover image could not be decoded"},
		{"oversize cover", Renderer{}, Input{Audio: good, Cover: write("huge.png", rendertest.OversizePNG(20000, 20000))}, "20000×20000"},
		{"cover not an image", Renderer{}, Input{Audio: good, Cover: write("cover.txt", []byte("hello"))}, "not a JPEG, PNG or WebP"},
		{"missing cover", Renderer{}, Input{Audio: good, Cover: filepath.Join(dir, "nope.png")}, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			outDir := t.TempDir()
			tt.in.Out = filepath.Join(outDir, "out.mp4")
			tt.r.TempDir = t.TempDir()
			_, err := tt.r.Render(context.Background(), tt.in)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Render error %v (%T), want *InputError", err, err)
			}
			if !strings.Contains(ie.Msg, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", ie.Msg, tt.wantMsg)
			}
			assertEmptyDir(t, outDir)
			assertEmptyDir(t, tt.r.TempDir)
		})
	}
}

func TestRenderCanceled(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir, outDir, work := t.TempDir(), t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The track is long enough that the render is still running when the
	// first Progress call (after 250 ms) cancels it, however fast the
	// machine: a tone's frames barely change, and the in-process encoders
	// render 20 s of it in less than that. The cancellation keeps the test
	// short.
	var seen float64
	in := Input{
		Audio: rendertest.MakeAudio(t, dir, "in.wav", 180), Title: "cancel me", Out: filepath.Join(outDir, "out.mp4"),
		Progress: func(f float64) {
			seen = f
			cancel()
		},
	}
	r := Renderer{TempDir: work, Threads: 2} // two encoders and the muxer to stop
	_, err := r.Render(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Render error %v, want context.Canceled", err)
	}
	if seen <= 0 || seen >= 1 {
		t.Errorf("Progress before cancelling was %v, want between 0 and 1", seen)
	}
	var ie *InputError
	if errors.As(err, &ie) {
		t.Errorf("Render error is an *InputError (%v), want a plain error", err)
	}
	assertEmptyDir(t, outDir)
	assertEmptyDir(t, work)
	for _, d := range []string{outDir, work, dir} {
		if pids := processesMentioning(t, d); len(pids) > 0 {
			t.Errorf("processes still running on %s: %v", d, pids)
		}
	}
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil || len(procs) == 0 {
		t.Skip("no /proc to look for processes in")
	}
	var pids []string
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}

// TestGCGoalDuringRenders checks that the collector's goal is lowered
// while renders run, restored when the last ends, and left alone when
// GOGC is set.
func TestGCGoalDuringRenders(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set")
	}
	first, second := lowerGCGoal(), lowerGCGoal()
	if got := debug.SetGCPercent(renderGCPercent); got != renderGCPercent {
		t.Errorf("during two renders the goal is %d, want %d", got, renderGCPercent)
	}
	first()
	if got := debug.SetGCPercent(renderGCPercent); got != renderGCPercent {
		t.Errorf("during one render the goal is %d, want %d", got, renderGCPercent)
	}
	second()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after the renders the goal is %d, want 100 again", got)
	}
	t.Setenv("GOGC", "80")
	lowerGCGoal()()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set the goal became %d, want it left at 100", got)
	}
}

// TestRenderRefusesHostileLogo checks that a logo that is not a fit PNG is
// an *InputError naming the problem, before anything renders.
func TestRenderRefusesHostileLogo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"not a PNG":   []byte("GIF89a"),
		"bomb header": rendertest.OversizePNG(50000, 50000),
		"1025 px":     rendertest.OversizePNG(1025, 10),
	} {
		path := filepath.Join(dir, "logo.png")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r := Renderer{TempDir: dir}
		_, err := r.Render(context.Background(), Input{Audio: filepath.Join(dir, "none.wav"), Out: filepath.Join(dir, "out.mp4"), Logo: path})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "logo") {
			t.Errorf("%s: Render = %v, want an *InputError about the logo", name, err)
		}
	}
}
