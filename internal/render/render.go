package render

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/encode"
	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/source"
	"github.com/mvgen/mvgen/internal/render/text"
)

// DefaultMaxDuration is the longest source a Renderer accepts when its
// MaxDuration is zero.
const DefaultMaxDuration = mvgen.DefaultMaxAudioDuration

// DefaultMaxBytes is the largest source file a Renderer accepts when its
// MaxBytes is zero: 200 MiB.
const DefaultMaxBytes = mvgen.DefaultMaxSourceBytes

// DefaultFPS is a video's frames a second unless Input.FPS says 60.
const DefaultFPS = 30

// InputError reports that the source audio or the cover image is unusable
// (see source.InputError, which it is): callers map it to the contract's
// code 400.
type InputError = source.InputError

// Info describes a source's audio as ffprobe sees it (see source.Info,
// which it is).
type Info = source.Info

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
	// most of them (see text.LineFont).
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
	// TempDir is where each render's private working directory (the
	// theme's files: text files, the static step's filtergraph script and
	// raw pictures, 3 to 4 MB) is created and removed again; "" means
	// os.TempDir(). The video itself is written next to Input.Out.
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
	// overlap, when set, is how many renditions of a kit render at once
	// instead of kitOverlap (for the benchmark).
	overlap int
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
	// Aspect is the video's shape: mvgen.Landscape (1280×720, also for ""),
	// mvgen.Square (1080×1080), mvgen.Portrait (720×1280) or mvgen.Feed
	// (1080×1350 at both resolutions); each has its own layout, not a crop
	// of another. Another value is an *InputError.
	Aspect mvgen.Aspect
	// FullFrame lays a 9:16 video out over the whole frame, as before the
	// platform-safe layout; by default everything informative in 9:16 lies
	// inside the box that TikTok's, Reels' and Shorts' overlays leave clear
	// (scene.PortraitSafe). Other aspects ignore it.
	FullFrame bool
	// Resolution is the video's size class: mvgen.HD (720p, also for "")
	// or mvgen.FullHD (1080p: 1920×1080, 1080×1080, 1080×1920, 1080×1350;
	// see scene.Size). Another value is an *InputError.
	Resolution mvgen.Resolution
	// FPS is the video's frame rate: 30 (also for 0) or 60. Another value
	// is an *InputError. Every look moves at the same speed at either.
	FPS int
	// AccentColor, when set ("#rrggbb"), is the colour of the bars and
	// the pulse and sets the background's hue, instead of the colour
	// picked from the cover (or the title). Another form is an
	// *InputError.
	AccentColor string
	// Theme is the video's look, one of mvgen.Themes: mvgen.Bars (also for
	// "") is the default. Another value is an *InputError.
	Theme mvgen.Theme
	// Out is the path of the MP4 to write. The video is written to a
	// temporary file in the same directory and renamed into place on success;
	// on failure the temporary file is removed and Out is left untouched.
	Out string
	// Lyrics, when it has timed lines, are drawn in time with the music
	// (see scene.Lyrics): the line being sung large, its words
	// lighting up as they are sung when their times are known, and the
	// next line dimmer under it; nothing between lines. With lyrics the
	// layout makes room for them (a smaller cover in 1:1, 9:16 and 4:5, at
	// most two title lines). Their text is data: it is laid out and drawn
	// in Go, never handed to ffmpeg.
	Lyrics *lyrics.Lyrics
	// EmbedCaptions, with timed Lyrics, also muxes them into the MP4 as a
	// mov_text subtitle track (the SubRip text of lyrics.Lyrics.SRT).
	EmbedCaptions bool
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

// runner runs the render's ffmpeg processes.
func (r *Renderer) runner() *ffmpeg.Runner {
	return &ffmpeg.Runner{Bin: r.ffmpeg(), Logger: r.logger(), Exited: r.exited}
}

// encoders returns how many encoders a render of v runs at once: one a
// core (or Threads), and no more than it has GOPs.
func (r *Renderer) encoders(v encode.Video) int {
	n := r.Threads
	if n == 0 {
		n = runtime.NumCPU()
	}
	return max(1, min(n, v.GOPs()))
}

// encoder returns the render's encoder: libx264 in this process when the
// build has it (see encode.InProcess), else ffmpeg processes.
func (r *Renderer) encoder(ff *ffmpeg.Runner) encode.Encoder {
	if encode.InProcess && !r.ffmpegEncoders {
		return encode.X264{}
	}
	return encode.FFmpeg{Runner: ff}
}

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

// fonts returns the regular and bold fonts to draw with: FontFile for
// both, or the first of the known ones installed (see text.DefaultFonts);
// "" when there is none.
func (r *Renderer) fonts() (regular, bold string) {
	if r.FontFile != "" {
		return r.FontFile, r.FontFile
	}
	return text.DefaultFonts()
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Render writes the music video for in to in.Out and returns the Info of
// the source audio. An unusable source or cover is an *InputError; any
// other error (ffmpeg failing, ctx ending, the disk) is not. When ctx
// ends, ffmpeg is killed and nothing is left behind.
func (r *Renderer) Render(ctx context.Context, in Input) (Info, error) {
	return r.render(ctx, in, nil)
}

// CheckSource applies every check Render makes of a source audio file
// before it draws anything: the size limit (MaxBytes), ffprobe under the
// format allowlist, a usable audio stream and the length limit
// (MaxDuration); see source.Check. It costs one ffprobe run, so an API can
// vet an upload before accepting it. An unusable source is an
// *InputError naming the problem.
func (r *Renderer) CheckSource(ctx context.Context, path string) (Info, error) {
	return source.Check(ctx, r.ffprobe(), path, source.Limits{MaxBytes: r.maxBytes(), MaxDuration: r.maxDuration()})
}

// CheckCover reads the header of the cover image at path and refuses, with
// an *InputError, one Render would refuse: not JPEG, PNG or WebP, animated,
// or too large (source.CheckCover).
func (r *Renderer) CheckCover(path string) error {
	_, err := source.CheckCover(path)
	return err
}

// Probe describes the audio of the file at path (see source.Probe). It
// applies no limit; Render and CheckSource do. A file that is not readable
// audio is an *InputError.
func (r *Renderer) Probe(ctx context.Context, path string) (Info, error) {
	return source.Probe(ctx, r.ffprobe(), path)
}

// job is one render, resolved before its work directory exists: the
// checked input, absolute paths and what was decided from probing.
type job struct {
	aspect     mvgen.Aspect
	resolution mvgen.Resolution
	fullFrame  bool
	embed      bool         // mux the lyrics in as a mov_text track
	fps        int          // frames a second
	theme      mvgen.Theme  // the look
	accent     *mvgen.Color // the accent colour asked for; nil picks one
	info       Info         // the source, as probed
	frames     int          // the video's frames: the duration, rounded up
	audio      string       // absolute path of the source
	cover      []string     // ffmpeg's options reading the cover; nil for none
	out        string       // absolute path the muxer writes
	poster     string       // absolute path of the poster to write, "" for none
	copyAudio  bool         // copy the source's audio stream into the MP4
	audioRate  int64        // AAC bit rate in bits per second, when not copying
	work       string       // the private working directory
	// start and length are the part of the song the video shows: 0 and
	// info.Duration, or a clip's (see clipTo).
	start, length time.Duration
	clip          bool         // the video is a clip: it fades in and out
	tape          *source.Tape // the kit's decoded source; nil decodes it for this render

	title, author, domain string
	lyrics                []lyrics.Line
	sections              []lyrics.Section
}

// render is Render; with sink set it writes the raw frames to sink instead
// of encoding them, and writes no video.
func (r *Renderer) render(ctx context.Context, in Input, sink io.Writer) (Info, error) {
	return r.renderOne(ctx, in, nil, sink)
}

// renderOne is render of the clip c of in's song (c.Start; not Auto), or
// of the whole song when c is nil: a kit's rendition rendered on its own
// (the benchmark compares the two).
func (r *Renderer) renderOne(ctx context.Context, in Input, c *Clip, sink io.Writer) (Info, error) {
	if in.Audio == "" || in.Out == "" {
		return Info{}, errors.New("render: Input.Audio and Input.Out are required")
	}
	opts, err := parseOptions(in)
	if err != nil {
		return Info{}, err
	}
	info, err := r.CheckSource(ctx, in.Audio)
	if err != nil {
		return Info{}, err
	}
	j, err := opts.job(in, info)
	if err != nil {
		return Info{}, err
	}
	if c != nil {
		start, length, err := clipSpan(*c, c.Start, info.Duration)
		if err != nil {
			return Info{}, err
		}
		j.clipTo(start, length)
	}
	if j.work, err = os.MkdirTemp(r.TempDir, "mvgen-render-"); err != nil {
		return Info{}, fmt.Errorf("render: creating work directory: %w", err)
	}
	defer os.RemoveAll(j.work)
	defer lowerGCGoal()()
	if sink != nil {
		_, err := r.run(ctx, j, sink, nil)
		return info, err
	}
	if err := r.renderTo(ctx, j, in.Progress); err != nil {
		return Info{}, err
	}
	return info, nil
}

// options are an Input's choices, checked.
type options struct {
	aspect     mvgen.Aspect
	resolution mvgen.Resolution
	theme      mvgen.Theme
	accent     *mvgen.Color
}

// parseOptions checks in's choices; one Render refuses is an *InputError.
func parseOptions(in Input) (options, error) {
	aspect, err := mvgen.ParseAspect(string(in.Aspect))
	if err != nil {
		return options{}, &InputError{Msg: err.Error()}
	}
	res, err := mvgen.ParseResolution(string(in.Resolution))
	if err != nil {
		return options{}, &InputError{Msg: err.Error()}
	}
	if in.FPS != 0 && in.FPS != 30 && in.FPS != 60 {
		return options{}, &InputError{Msg: fmt.Sprintf("fps %d is not 30 or 60", in.FPS)}
	}
	theme, err := mvgen.ParseTheme(string(in.Theme))
	if err != nil {
		return options{}, &InputError{Msg: err.Error()}
	}
	var accent *mvgen.Color
	if in.AccentColor != "" {
		c, err := mvgen.ParseColor(in.AccentColor)
		if err != nil {
			return options{}, &InputError{Msg: "accent colour: " + err.Error()}
		}
		accent = &c
	}
	return options{aspect: aspect, resolution: res, theme: theme, accent: accent}, nil
}

// job resolves the render of in, with these options, of the source info.
func (o options) job(in Input, info Info) (job, error) {
	j, err := newJob(in, info, o.aspect, o.resolution)
	j.accent, j.theme = o.accent, o.theme
	return j, err
}

// newJob resolves what the render of in needs before its work directory
// exists; the cover's header is checked here.
func newJob(in Input, info Info, aspect mvgen.Aspect, res mvgen.Resolution) (job, error) {
	j := job{aspect: aspect, resolution: res, fullFrame: in.FullFrame, embed: in.EmbedCaptions, fps: cmp.Or(in.FPS, DefaultFPS),
		info: info, title: in.Title, author: in.Author, domain: in.Domain, length: info.Duration}
	if in.Lyrics != nil {
		j.lyrics, j.sections = in.Lyrics.Lines, in.Lyrics.Sections
	}
	j.frames = framesOf(info.Duration, j.fps)
	j.copyAudio, j.audioRate = encode.AudioFor(info)
	var err error
	if j.audio, err = filepath.Abs(in.Audio); err != nil {
		return job{}, fmt.Errorf("render: %w", err)
	}
	if j.out, err = filepath.Abs(in.Out); err != nil {
		return job{}, fmt.Errorf("render: %w", err)
	}
	if in.Poster != "" {
		if j.poster, err = filepath.Abs(in.Poster); err != nil {
			return job{}, fmt.Errorf("render: %w", err)
		}
	}
	if in.Cover != "" {
		c, err := source.CheckCover(in.Cover)
		if err != nil {
			return job{}, err
		}
		path, err := filepath.Abs(in.Cover)
		if err != nil {
			return job{}, fmt.Errorf("render: %w", err)
		}
		j.cover = c.InputArgs(path)
	}
	return j, nil
}

// framesOf is how many frames at fps a video of length d has: d, rounded
// up, and at least one.
func framesOf(d time.Duration, fps int) int {
	return max(1, int(math.Ceil(d.Seconds()*float64(fps)-1e-6)))
}
