package render

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// DefaultMaxDuration is the longest source a Renderer accepts when its
// MaxDuration is zero.
const DefaultMaxDuration = 15 * time.Minute

// fontCandidates are tried in order when Renderer.FontFile is empty. The Noto
// CJK fonts come first because they also cover Latin, Greek, Cyrillic and
// Hangul; DejaVu is the fallback for hosts without them.
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
	// font of a built-in list of Noto CJK and DejaVu paths (and, when none
	// exists, whatever fontconfig picks for "Sans").
	FontFile string
	// MaxDuration is the longest source accepted; 0 means
	// DefaultMaxDuration (15 minutes). Longer audio is an *InputError.
	MaxDuration time.Duration
	// Threads caps ffmpeg's filter and encoder threads; 0 lets ffmpeg choose.
	Threads int
	// TempDir is where each render's private working directory (text files
	// and the filtergraph script) is created and removed again; "" means
	// os.TempDir(). The video itself is written next to Input.Out.
	TempDir string
	// Logger receives debug records of each ffmpeg run; nil discards them.
	Logger *slog.Logger
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
	// characters and wrapped onto at most three lines, the author and domain
	// are cut to 50 characters. Empty strings are not drawn.
	Title, Author, Domain string
	// Out is the path of the MP4 to write. The video is written to a
	// temporary file in the same directory and renamed into place on success;
	// on failure the temporary file is removed and Out is left untouched.
	Out string
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

func (r *Renderer) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// font returns the font to draw with, or "" when none of the known ones
// exists.
func (r *Renderer) font() string {
	if r.FontFile != "" {
		return r.FontFile
	}
	for _, f := range fontCandidates {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
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
	if in.Audio == "" || in.Out == "" {
		return Info{}, errors.New("render: Input.Audio and Input.Out are required")
	}
	info, err := r.Probe(ctx, in.Audio)
	if err != nil {
		return Info{}, err
	}
	if limit := r.maxDuration(); info.Duration > limit {
		return Info{}, &InputError{Msg: fmt.Sprintf("audio is %s long; the limit is %s",
			formatLength(info.Duration, limit), limit)}
	}
	p := plan{Duration: info.Duration, CopyAudio: info.Codec == "aac" || info.Codec == "mp3",
		Font: r.font(), Threads: r.Threads}
	if p.Audio, err = filepath.Abs(in.Audio); err != nil {
		return Info{}, fmt.Errorf("render: %w", err)
	}
	if p.Out, err = filepath.Abs(in.Out); err != nil {
		return Info{}, fmt.Errorf("render: %w", err)
	}
	if in.Cover != "" {
		c, err := checkCover(in.Cover)
		if err != nil {
			return Info{}, err
		}
		if p.Cover, err = filepath.Abs(in.Cover); err != nil {
			return Info{}, fmt.Errorf("render: %w", err)
		}
		p.CoverFormat = c.demuxer()
	} else {
		p.Background = backgroundColor(in)
	}

	work, err := os.MkdirTemp(r.TempDir, "mvgen-render-")
	if err != nil {
		return Info{}, fmt.Errorf("render: creating work directory: %w", err)
	}
	defer os.RemoveAll(work)
	if err := writeTexts(&p, work, in); err != nil {
		return Info{}, err
	}
	p.Script = filepath.Join(work, "filtergraph.txt")
	if err := os.WriteFile(p.Script, []byte(filterGraph(p)), 0o600); err != nil {
		return Info{}, fmt.Errorf("render: writing filtergraph: %w", err)
	}
	if err := r.renderTo(ctx, p, in.Progress); err != nil {
		return Info{}, err
	}
	return info, nil
}

// renderTo runs ffmpeg into a temporary file next to p.Out and renames it
// into place, removing it on any failure.
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
	if err := r.runFFmpeg(ctx, ffmpegArgs(p), p.Duration, progress); err != nil {
		return err
	}
	if err := os.Chmod(p.Out, 0o644); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := os.Rename(p.Out, final); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if progress != nil {
		progress(1)
	}
	r.logger().DebugContext(ctx, "rendered video", "out", final,
		"duration", p.Duration, "elapsed", time.Since(start))
	return nil
}

// backgroundColor picks a palette colour from the text, so that one track
// always gets the same colour.
func backgroundColor(in Input) string {
	h := fnv.New32a()
	h.Write([]byte(in.Title + "\x00" + in.Author))
	return palette[h.Sum32()%uint32(len(palette))]
}

// formatLength formats d for a message that compares it with limit: whole
// seconds, unless that would make it look equal to the limit.
func formatLength(d, limit time.Duration) string {
	if s := d.Round(time.Second); s != limit {
		return s.String()
	}
	return d.Round(10 * time.Millisecond).String()
}
