package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render"
)

func renderCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("render", stderr)
	out := fs.String("o", "", "output MP4 path, or a directory (DIR/) for several videos (required)")
	in := render.Input{}
	fs.StringVar(&in.Cover, "cover", "", "cover image (JPEG, PNG or WebP)")
	fs.StringVar(&in.Title, "title", "", "title shown in the video")
	fs.StringVar(&in.Author, "author", "", "author shown prominently at the start")
	fs.StringVar(&in.Domain, "domain", "", "domain shown as a watermark")
	aspect := fs.String("aspect", "16:9", "shape: 16:9 (1280×720), 1:1 (1080×1080), 9:16 (720×1280) or 4:5 (1080×1350); a comma list makes one whole video of each (-o DIR/)")
	var clips clipFlags
	fs.Var(&clips, "clip", "add a 9:16 clip, `START:SECONDS` (START in seconds or auto; 5-90 s; repeatable; -o DIR/)")
	safeArea := fs.Bool("safe-area", true, "9:16: keep everything informative inside the box TikTok, Reels and Shorts leave clear (false: the full-frame layout)")
	lrc := fs.String("lyrics", "", "synced lyrics to show (an LRC file)")
	captions := fs.Bool("captions", false, "with --lyrics: also write the lyrics as caption files beside the video (OUT.srt, OUT.vtt, OUT.lrc)")
	fs.StringVar(&in.Poster, "poster", "", "also write a JPEG poster (the designed still) to this path")
	resolution := fs.String("resolution", "720p", "size: 720p, or 1080p (1920×1080, 1080×1080, 1080×1920; 4:5 is 1080×1350 at both)")
	fs.IntVar(&in.FPS, "fps", 30, "frames a second: 30 or 60")
	fs.StringVar(&in.AccentColor, "accent-color", "", "colour of the bars, `#rrggbb` (default: picked from the cover)")
	theme := fs.String("theme", "bars", "the look: "+themeNames())
	fs.StringVar(&in.Logo, "logo", "", "a brand logo, a PNG of at most 1 MiB and 1024 px a side, drawn in the watermark's box before the domain")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return errors.New("render: usage: mvgen render AUDIO -o OUT.mp4|DIR/ [--cover IMG] [--title T] [--author A] [--domain D] [--aspect 16:9|1:1|9:16|4:5[,ASPECT...]] [--clip START:SECONDS]... [--resolution 720p|1080p] [--safe-area=false] [--fps 30|60] [--accent-color #rrggbb] [--theme NAME] [--logo LOGO.png] [--poster OUT.jpg] [--lyrics FILE.lrc [--captions]]" + kitUsage)
	}
	videos, err := kitVideos(*aspect, clips)
	if err != nil {
		return fmt.Errorf("render: --aspect: %w", err)
	}
	dir := outDir(*out)
	if len(videos) > 1 && !dir {
		return fmt.Errorf("render: %w", errKitNeedsDir)
	}
	in.Audio, in.Out = pos[0], *out
	in.Aspect, in.Resolution, in.FullFrame, in.Theme = mvgen.Aspect(videos[0].aspect), mvgen.Resolution(*resolution), !*safeArea, mvgen.Theme(*theme)
	var kit []render.Rendition
	var paths []string
	if dir {
		if kit, paths, err = localKit(&in, *out, videos); err != nil {
			return err
		}
	}
	if *lrc != "" {
		src, err := os.ReadFile(*lrc)
		if err != nil {
			return fmt.Errorf("render: %w", err)
		}
		l, err := lyrics.ParseLRC(src)
		if err != nil {
			return fmt.Errorf("render: %s: %w", *lrc, err)
		}
		in.Lyrics = &l
	}
	var bar *progressBar
	if isTerminal(stderr) {
		bar = &progressBar{w: stderr, start: time.Now()}
		in.Progress = bar.set
	}
	r := &render.Renderer{}
	start := time.Now()
	info, made, err := r.RenderKit(ctx, in, kit)
	bar.finish(err == nil)
	var inputErr *render.InputError
	if errors.As(err, &inputErr) {
		return fmt.Errorf("render: %s", inputErr.Msg)
	} else if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	elapsed := time.Since(start)
	if dir {
		return reportKit(stdout, made, videos, paths, in.Lyrics, info.Duration, elapsed)
	}
	fmt.Fprintf(stdout, "wrote %s (%s of audio in %s, %.1f× real time)\n", in.Out,
		info.Duration.Round(time.Millisecond), elapsed.Round(time.Millisecond),
		info.Duration.Seconds()/elapsed.Seconds())
	if *captions {
		return writeCaptions(stdout, in.Out, in.Lyrics, 0, info.Duration)
	}
	return nil
}

// localKit lays out the kit videos ask for in the directory out: in
// renders rendition 0 into its first path, kit the others into theirs;
// paths are the videos' paths without extension.
func localKit(in *render.Input, out string, videos []kitVideo) (kit []render.Rendition, paths []string, err error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, nil, fmt.Errorf("render: %w", err)
	}
	paths = kitPaths(out, in.Audio, videos)
	in.Out, in.Poster = paths[0]+".mp4", paths[0]+".jpg"
	for i, v := range videos[1:] {
		k := render.Rendition{Aspect: mvgen.Aspect(v.aspect), Resolution: in.Resolution, FullFrame: in.FullFrame,
			Out: paths[1+i] + ".mp4", Poster: paths[1+i] + ".jpg"}
		if v.clip != nil {
			k.Clip = &render.Clip{Start: v.clip.Start, Auto: v.clip.Auto, Duration: v.clip.Duration}
		}
		kit = append(kit, k)
	}
	return kit, paths, nil
}

// reportKit names every video of a kit made into paths, with its poster,
// and writes its captions when there are lyrics (as the server stores
// them).
func reportKit(stdout io.Writer, made []render.Video, videos []kitVideo, paths []string, l *lyrics.Lyrics,
	audio, elapsed time.Duration) error {
	for i, v := range made {
		what := fmt.Sprintf("%s %s, %d×%d", v.Aspect, v.Resolution, v.Width, v.Height)
		if i > 0 && videos[i].clip != nil {
			what += fmt.Sprintf(", %s from %s", v.Duration.Round(100*time.Millisecond), v.Start.Round(100*time.Millisecond))
		}
		fmt.Fprintf(stdout, "wrote %s (%s) and %s\n", paths[i]+".mp4", what, paths[i]+".jpg")
		if l != nil {
			if err := writeCaptions(stdout, paths[i]+".mp4", l, v.Start, v.Duration); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stdout, "%d videos of %s of audio in %s\n", len(made), audio.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	return nil
}

// writeCaptions writes the lyrics l of the video at out as SRT, WebVTT and
// LRC files beside it (out with its extension replaced), timed to the
// video: the part of the song from start for dur, so that a clip's
// captions start at 0; lyrics without timed lines give none, and
// say so.
func writeCaptions(stdout io.Writer, out string, l *lyrics.Lyrics, start, dur time.Duration) error {
	if l == nil || !l.Timed() {
		fmt.Fprintln(stdout, "no caption files: the lyrics have no timed lines")
		return nil
	}
	base := strings.TrimSuffix(out, filepath.Ext(out))
	for _, f := range []struct {
		ext  string
		data []byte
	}{{".srt", l.SRT(start, dur)}, {".vtt", l.VTT(start, dur)}, {".lrc", l.LRC(start, dur)}} {
		if err := os.WriteFile(base+f.ext, f.data, 0o644); err != nil {
			return fmt.Errorf("render: writing captions: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", base+f.ext)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws "[#####.....]  42%  ETA 0:07" on one terminal line.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	last  int
}

func (p *progressBar) set(fraction float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pct := int(fraction * 100)
	if pct == p.last {
		return
	}
	p.last = pct
	const width = 30
	n := pct * width / 100
	eta := ""
	if fraction > 0.02 {
		left := time.Duration(float64(time.Since(p.start)) * (1 - fraction) / fraction)
		eta = fmt.Sprintf("  ETA %d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	fmt.Fprintf(p.w, "\r[%s%s] %3d%%%s   ", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, eta)
}

func (p *progressBar) finish(ok bool) {
	if p == nil {
		return
	}
	if ok {
		p.last = -1
		p.set(1)
	}
	fmt.Fprintln(p.w)
}

// themeNames lists the renderer's themes for a flag's help: "bars, …".
func themeNames() string {
	names := make([]string, len(mvgen.Themes))
	for i, t := range mvgen.Themes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
