package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/durable"
	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// DefaultMaxDuration is the longest source a Renderer accepts when its
// MaxDuration is zero.
const DefaultMaxDuration = mvgen.DefaultMaxAudioDuration

// DefaultMaxBytes is the largest source file a Renderer accepts when its
// MaxBytes is zero: 200 MiB.
const DefaultMaxBytes = mvgen.DefaultMaxSourceBytes

// fontCandidates are tried in order when Renderer.FontFile is empty. The Noto
// CJK fonts come first because they also cover Latin, Greek, Cyrillic and
// Hangul; DejaVu is the fallback for hosts without them. Each has a bold
// face next to it, found by replacing "Regular" with "Bold" or "Sans" with
// "Sans-Bold".
var fontCandidates = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",   // Debian, Ubuntu
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",        // Arch, Alpine
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", // Fedora
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",          // Debian, Ubuntu
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",                   // Fedora, Alpine
	"/usr/share/fonts/TTF/DejaVuSans.ttf",                      // Arch
}

// Renderer renders music videos with ffmpeg. The zero value is ready to use:
// it finds ffmpeg, ffprobe and a font on its own. A Renderer holds no state
// between calls and may be used by several goroutines at once.
type Renderer struct {
	// FFmpeg and FFprobe are the paths of the binaries; "" looks up
	// "ffmpeg" and "ffprobe" in PATH.
	FFmpeg, FFprobe string
	// FontFile is the font used for all text; "" means the first existing
	// font of a built-in list of Noto CJK and DejaVu paths, with its bold
	// face for the title and the intro card (and, when none exists,
	// whatever fontconfig picks for "Sans"). A line with characters the
	// font lacks is drawn with the installed Noto Sans face that has the
	// most of them (see fallback.go).
	FontFile string
	// MaxDuration is the longest source accepted; 0 means
	// DefaultMaxDuration (15 minutes). Longer audio is an *InputError.
	MaxDuration time.Duration
	// MaxBytes is the largest source file accepted; 0 means
	// DefaultMaxBytes (200 MiB). A larger file is an *InputError.
	MaxBytes int64
	// Threads is how many encoders a render runs at once, each on its own
	// GOPs with one x264 thread (see doc.go), and caps the static step's
	// filter threads; 0 means one encoder per CPU (runtime.NumCPU) and
	// lets ffmpeg choose its filter threads.
	Threads int
	// TempDir is where each render's private working directory (text files,
	// the static step's filtergraph script and raw pictures, 3 to 4 MB) is
	// created and removed again; "" means os.TempDir(). The video itself is
	// written next to Input.Out.
	TempDir string
	// Logger receives debug records of each ffmpeg run; nil discards them.
	Logger *slog.Logger

	// exited, when set, is called with each ffmpeg process's state when it
	// has ended (for the benchmark's resource figures).
	exited func(step string, state *os.ProcessState)
	// ffmpegEncoders makes the render encode with ffmpeg processes, as
	// builds without libx264 do, instead of in this process (for tests and
	// the benchmark's baseline).
	ffmpegEncoders bool
}

// Input describes one render.
type Input struct {
	// Audio is the path of the source audio file.
	Audio string
	// Cover is the path of an optional cover image (JPEG, PNG or WebP, at
	// most 12000 pixels a side and 40 megapixels).
	Cover string
	// Title, Author and Domain are drawn as given (any Unicode). Control
	// characters and newlines become spaces; the title is cut to 60
	// characters and wrapped onto the layout's lines (three, two for 1:1),
	// shrinking to fit, the author and domain are cut to 50 characters.
	// Empty strings are not drawn.
	Title, Author, Domain string
	// Aspect is the video's shape: "16:9" (1280×720, also for ""), "1:1"
	// (1080×1080) or "9:16" (720×1280); see mvgen.ParseAspect. Another value is
	// an *InputError.
	Aspect string
	// Resolution is the video's size class: "720p" (also for "") or
	// "1080p" (1920×1080, 1080×1080, 1080×1920); see mvgen.ParseResolution.
	// Another value is an *InputError.
	Resolution string
	// Out is the path of the MP4 to write. The video is written to a
	// temporary file in the same directory and renamed into place on success;
	// on failure the temporary file is removed and Out is left untouched.
	Out string
	// Lyrics, when it has timed lines, are drawn in time with the music
	// (see lyricLayout for where): the line being sung large, its words
	// lighting up as they are sung when their times are known, and the
	// next line dimmer under it; nothing between lines. With lyrics the
	// layout makes room for them (a smaller cover in 1:1 and 9:16, at
	// most two title lines). Their text is data: it is laid out and drawn
	// in Go, never handed to ffmpeg.
	Lyrics *lyrics.Lyrics
	// Poster, when set, is the path of a JPEG to write next to the video:
	// the designed still (background, cover, title and author, as on the
	// intro card) at the video's size. Like the video, it is written to a
	// temporary file, synced to the disk, and renamed into place only when
	// the render succeeds.
	Poster string
	// Progress, when set, is called with the completed fraction (0 to 1,
	// increasing) a few times a second, and with 1 when the render succeeds.
	// It is called from Render's goroutine and should return quickly.
	Progress func(fraction float64)
}

// Validate reports a configuration that cannot work: negative limits, a
// missing binary or a FontFile that does not exist.
func (r *Renderer) Validate() error {
	if r.MaxDuration < 0 {
		return fmt.Errorf("render: MaxDuration %v is negative", r.MaxDuration)
	}
	if r.MaxBytes < 0 {
		return fmt.Errorf("render: MaxBytes %d is negative", r.MaxBytes)
	}
	if r.Threads < 0 {
		return fmt.Errorf("render: Threads %d is negative", r.Threads)
	}
	for _, bin := range []string{r.ffmpeg(), r.ffprobe()} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	if r.FontFile != "" {
		if _, err := os.Stat(r.FontFile); err != nil {
			return fmt.Errorf("render: font: %w", err)
		}
	}
	return nil
}

func (r *Renderer) ffmpeg() string  { return orDefault(r.FFmpeg, "ffmpeg") }
func (r *Renderer) ffprobe() string { return orDefault(r.FFprobe, "ffprobe") }

func (r *Renderer) maxDuration() time.Duration {
	if r.MaxDuration > 0 {
		return r.MaxDuration
	}
	return DefaultMaxDuration
}

func (r *Renderer) maxBytes() int64 {
	if r.MaxBytes > 0 {
		return r.MaxBytes
	}
	return DefaultMaxBytes
}

func (r *Renderer) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// fonts returns the regular and bold fonts to draw with; "" when none of
// the known ones exists. The bold one is the regular one when it has no
// bold face.
func (r *Renderer) fonts() (regular, bold string) {
	if r.FontFile != "" {
		return r.FontFile, r.FontFile
	}
	for _, f := range fontCandidates {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		for _, b := range []string{strings.Replace(f, "Regular", "Bold", 1), strings.Replace(f, "Sans.", "Sans-Bold.", 1)} {
			if _, err := os.Stat(b); err == nil && b != f {
				return f, b
			}
		}
		return f, f
	}
	return "", ""
}

// font returns the regular font; see fonts.
func (r *Renderer) font() string {
	f, _ := r.fonts()
	return f
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Render writes the music video for in to in.Out and returns the Info of
// the source audio. An unusable source or cover is an *InputError; any other
// error (ffmpeg failing, ctx ending, the disk) is not. When ctx ends, ffmpeg
// is killed and nothing is left behind.
func (r *Renderer) Render(ctx context.Context, in Input) (Info, error) {
	return r.render(ctx, in, nil)
}

// render is Render; with sink set it writes the raw frames to sink instead
// of encoding them, and writes no video.
func (r *Renderer) render(ctx context.Context, in Input, sink io.Writer) (Info, error) {
	if in.Audio == "" || in.Out == "" {
		return Info{}, errors.New("render: Input.Audio and Input.Out are required")
	}
	parsed, err := mvgen.ParseAspect(in.Aspect)
	aspect := Aspect(parsed)
	if err != nil {
		return Info{}, &InputError{Msg: err.Error()}
	}
	parsedRes, err := mvgen.ParseResolution(in.Resolution)
	if err != nil {
		return Info{}, &InputError{Msg: err.Error()}
	}
	res := Resolution(parsedRes)
	info, err := r.CheckSource(ctx, in.Audio)
	if err != nil {
		return Info{}, err
	}
	p, err := r.newPlan(in, info, aspect, res)
	if err != nil {
		return Info{}, err
	}
	if p.Work, err = os.MkdirTemp(r.TempDir, "mvgen-render-"); err != nil {
		return Info{}, fmt.Errorf("render: creating work directory: %w", err)
	}
	defer os.RemoveAll(p.Work)
	if err := writeTexts(&p, in); err != nil {
		return Info{}, err
	}
	chooseFonts(&p)
	if err := os.WriteFile(p.path(scriptFile), []byte(staticGraph(p)), 0o600); err != nil {
		return Info{}, fmt.Errorf("render: writing filtergraph: %w", err)
	}
	defer lowerGCGoal()()
	if sink != nil {
		_, err := r.run(ctx, p, sink, nil)
		return info, err
	}
	if err := r.renderTo(ctx, p, in.Progress); err != nil {
		return Info{}, err
	}
	return info, nil
}

// checkSize refuses a source larger than MaxBytes before anything reads it.
func (r *Renderer) checkSize(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &InputError{Msg: "source audio not found", Err: err}
		}
		return fmt.Errorf("render: source audio: %w", err)
	}
	if limit := r.maxBytes(); fi.Size() > limit {
		return &InputError{Msg: fmt.Sprintf("source audio is %s; the limit is %s",
			formatBytes(fi.Size()), formatBytes(limit))}
	}
	return nil
}

// newPlan resolves what the render needs before its work directory exists.
func (r *Renderer) newPlan(in Input, info Info, aspect Aspect, res Resolution) (plan, error) {
	var lines []lyrics.Line
	if in.Lyrics != nil {
		lines = in.Lyrics.Lines
	}
	p := plan{Aspect: aspect, Layout: layoutWith(aspect, res, len(lines) > 0), Lyrics: lines, Duration: info.Duration, Threads: r.Threads,
		Colors: paletteFor(hueOf(in))}
	p.Font, p.BoldFont = r.fonts()
	p.Frames = max(1, int(math.Ceil(info.Duration.Seconds()*frameRate-1e-6)))
	p.CopyAudio, p.AudioRate = audioPlan(info)
	var err error
	if p.Audio, err = filepath.Abs(in.Audio); err != nil {
		return plan{}, fmt.Errorf("render: %w", err)
	}
	if p.Out, err = filepath.Abs(in.Out); err != nil {
		return plan{}, fmt.Errorf("render: %w", err)
	}
	if in.Poster != "" {
		if p.Poster, err = filepath.Abs(in.Poster); err != nil {
			return plan{}, fmt.Errorf("render: %w", err)
		}
	}
	if in.Cover != "" {
		c, err := checkCover(in.Cover)
		if err != nil {
			return plan{}, err
		}
		if p.Cover, err = filepath.Abs(in.Cover); err != nil {
			return plan{}, fmt.Errorf("render: %w", err)
		}
		p.CoverFormat = c.demuxer()
	}
	return p, nil
}

// renderTo renders into a temporary file next to p.Out and renames it into
// place, removing it on any failure.
func (r *Renderer) renderTo(ctx context.Context, p plan, progress func(float64)) (err error) {
	final := p.Out
	tmp, err := os.CreateTemp(filepath.Dir(final), "."+filepath.Base(final)+".*.part")
	if err != nil {
		return fmt.Errorf("render: creating output: %w", err)
	}
	p.Out = tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(p.Out)
		}
	}()
	start := time.Now()
	poster, err := r.run(ctx, p, nil, progress)
	if err != nil {
		return err
	}
	if poster != "" {
		defer os.Remove(poster) // once renamed, a no-op
	}
	if err := os.Chmod(p.Out, 0o644); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	// Flushed before and after the rename: a caller that records the video
	// as done after this returns never finds it empty after a power loss.
	if err := durable.Rename(p.Out, final); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if poster != "" {
		if err := placeFile(poster, p.Poster); err != nil {
			os.Remove(final)
			return err
		}
	}
	if progress != nil {
		progress(1)
	}
	r.logger().DebugContext(ctx, "rendered video", "out", final, "aspect", p.Aspect,
		"duration", p.Duration, "elapsed", time.Since(start))
	return nil
}

// formatLength formats d for a message that compares it with limit: whole
// seconds, unless that would make it look equal to the limit.
func formatLength(d, limit time.Duration) string {
	if s := d.Round(time.Second); s != limit {
		return s.String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// formatBytes formats n for a message about a size limit: whole MiB or
// KiB when n is a multiple of one, else with a decimal, and bytes below a
// KiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
