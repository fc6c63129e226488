package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The frame and its layout, in pixels.
const (
	frameW, frameH = 1280, 720
	frameRate      = 30

	artSize, artX, artY = 400, 80, 100 // the cover, on the left

	panelXArt, panelXNoArt = 540, 80 // left edge of the text panel with and without a cover
	panelRight             = 1200    // right edge of the text panel

	titleY, titleSize, titleSpacing = 130, 44, 12
	authorMaxSize, authorMinSize    = 64, 24
	authorShown, authorFade         = 4, 1 // seconds on screen; the last authorFade of them fading out

	vizY, vizH                = 520, 160 // the visualiser band, full width
	domainSize, domainBottom  = 22, 10   // the watermark, in the band below the visualiser
	domainMinSize             = 12
	audioBitRate              = "192k"
	videoPreset, videoQuality = "veryfast", "23"
)

// palette holds the dark background colours used when there is no cover.
var palette = []string{"0x1b1a2e", "0x14213d", "0x1b2d2a", "0x2b1d2e", "0x2d1e1e", "0x1e2a38"}

// plan is everything one ffmpeg run needs, resolved: absolute paths, the
// prepared text files and the decisions taken from probing. It is built by
// Render and turned into a filtergraph and argument list by pure functions,
// which the golden tests pin down.
type plan struct {
	Audio       string        // absolute path of the source
	Cover       string        // absolute path of the cover, "" for none
	CoverFormat string        // ffmpeg demuxer of the cover, e.g. "png_pipe"
	Out         string        // absolute path ffmpeg writes
	Script      string        // path of the filtergraph script file
	Font        string        // font file, "" to let fontconfig choose
	Title       textBlock     // empty File means not drawn
	Author      textBlock     // empty File means not drawn
	Domain      textBlock     // empty File means not drawn
	Background  string        // background colour when there is no cover
	Duration    time.Duration // the source's duration; the picture is trimmed to it
	CopyAudio   bool          // copy the audio stream instead of encoding AAC
	Threads     int           // 0 lets ffmpeg choose
}

// textBlock is one string to draw: the file holding it, its font size and,
// for the title, how many lines it spans.
type textBlock struct {
	File  string
	Size  int
	Lines int
}

// filterGraph returns the ffmpeg filtergraph for p. Input 0 is the audio,
// input 1 the cover (when there is one); the output pad is [v].
//
// The still part of the picture is built from a single frame and repeated
// with tpad, so the blur, the cover scaling and the static text cost one
// frame, not every frame:
//
//	cover ─┬─ fill 1280×720, blur, darken ──┐
//	       └─ 400×400 ─────────────── overlay ─ title, watermark ─ tpad ──┐
//	audio ─ mono ─ showfreqs 1280×160 ─────────────────────────────── overlay ─ author (0–4 s) ─ trim ─ [v]
//
// showfreqs was chosen by measurement: it costs about as little as
// showwaves, draws with transparency (showcqt draws an opaque band) and
// reads better as "music" than a waveform.
func filterGraph(p plan) string {
	var g strings.Builder
	if p.Cover != "" {
		fmt.Fprintf(&g, "[1:v]trim=end_frame=1,setsar=1,split=2[cover_bg][cover_art];\n")
		fmt.Fprintf(&g, "[cover_bg]scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d,"+
			"gblur=sigma=30,colorchannelmixer=rr=0.5:gg=0.5:bb=0.5[bg];\n", frameW, frameH, frameW, frameH)
		fmt.Fprintf(&g, "[cover_art]scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d[art];\n",
			artSize, artSize, artSize, artSize)
		fmt.Fprintf(&g, "[bg][art]overlay=%d:%d[base];\n", artX, artY)
	} else {
		fmt.Fprintf(&g, "color=c=%s:s=%dx%d:r=%d,trim=end_frame=1[base];\n",
			p.Background, frameW, frameH, frameRate)
	}
	g.WriteString("[base]")
	panelX := panelXNoArt
	if p.Cover != "" {
		panelX = panelXArt
	}
	if p.Title.File != "" {
		g.WriteString(drawtext(p.Font, p.Title, "white", strconv.Itoa(panelX), strconv.Itoa(titleY),
			fmt.Sprintf(":line_spacing=%d", titleSpacing)) + ",")
	}
	if p.Domain.File != "" {
		g.WriteString(drawtext(p.Font, p.Domain, "white@0.45", "(w-text_w)/2",
			fmt.Sprintf("h-text_h-%d", domainBottom), "") + ",")
	}
	// tpad may repeat the first timestamp (ffmpeg 5.1, after an overlay), so
	// the timestamps are renumbered.
	fmt.Fprintf(&g, "format=yuv420p,tpad=stop=-1:stop_mode=clone,setpts=N/(%d*TB)[still];\n", frameRate)
	fmt.Fprintf(&g, "[0:a:0]aformat=channel_layouts=mono,"+
		"showfreqs=s=%dx%d:rate=%d:mode=bar:ascale=sqrt:fscale=log:win_size=2048:colors=white@0.8,"+
		"format=yuva420p[viz];\n", frameW, vizH, frameRate)
	fmt.Fprintf(&g, "[still][viz]overlay=0:%d:eof_action=pass", vizY)
	if p.Author.File != "" {
		y := titleY + p.Title.Lines*(titleSize+titleSpacing) + 40
		g.WriteString("," + drawtext(p.Font, p.Author, "white", strconv.Itoa(panelX), strconv.Itoa(y),
			fmt.Sprintf(":shadowx=2:shadowy=2:shadowcolor=black@0.6"+
				":alpha='if(lt(t,%d),1,max(0,%d-t))':enable='lt(t,%d)'",
				authorShown-authorFade, authorShown, authorShown)))
	}
	fmt.Fprintf(&g, ",trim=duration=%s,format=yuv420p[v]\n", seconds(p.Duration))
	return g.String()
}

// drawtext returns a drawtext filter that draws the file of t literally.
func drawtext(font string, t textBlock, color, x, y, extra string) string {
	var b strings.Builder
	b.WriteString("drawtext=")
	if font != "" {
		b.WriteString("fontfile=" + escapeFilterValue(font) + ":")
	}
	fmt.Fprintf(&b, "textfile=%s:expansion=none:fontsize=%d:fontcolor=%s:x=%s:y=%s%s",
		escapeFilterValue(t.File), t.Size, color, x, y, extra)
	return b.String()
}

// seconds formats d as decimal seconds for ffmpeg.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 6, 64)
}

// ffmpegArgs returns ffmpeg's argument list (without the program name) for p.
func ffmpegArgs(p plan) []string {
	args := []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
		"-progress", "pipe:1", "-stats_period", "0.25", "-y",
		"-format_whitelist", audioFormats, "-protocol_whitelist", "file",
		"-i", "file:" + p.Audio,
	}
	if p.Cover != "" {
		args = append(args, "-f", p.CoverFormat, "-framerate", strconv.Itoa(frameRate),
			"-protocol_whitelist", "file", "-i", "file:"+p.Cover)
	}
	args = append(args, "-filter_complex_script", p.Script)
	if p.Threads > 0 {
		args = append(args, "-filter_complex_threads", strconv.Itoa(p.Threads))
	}
	args = append(args,
		"-map", "[v]", "-map", "0:a:0",
		"-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "libx264", "-preset", videoPreset, "-crf", videoQuality,
		"-pix_fmt", "yuv420p", "-g", strconv.Itoa(2*frameRate))
	if p.Threads > 0 {
		args = append(args, "-threads", strconv.Itoa(p.Threads))
	}
	if p.CopyAudio {
		args = append(args, "-c:a", "copy")
	} else {
		args = append(args, "-c:a", "aac", "-b:a", audioBitRate)
	}
	return append(args, "-movflags", "+faststart", "-f", "mp4", "file:"+p.Out)
}

// escapeFilterValue escapes s for use as an option value inside a
// filtergraph, following ffmpeg's two levels of quoting ("Notes on
// filtergraph escaping" in ffmpeg-filters): first for the filter's option
// parser, where \ ' and : are special, then for the filtergraph parser, where
// \ ' [ ] , and ; are. Leading and trailing whitespace, which both parsers
// would trim, is escaped too.
func escapeFilterValue(s string) string {
	return escapeBackslash(escapeBackslash(s, `\':`), `\'[],;`)
}

// escapeBackslash puts a backslash before every character of s in special,
// and before whitespace at either end of s.
func escapeBackslash(s, special string) string {
	var b strings.Builder
	lead := len(s) - len(strings.TrimLeft(s, " \t\n\r"))
	trail := len(strings.TrimRight(s, " \t\n\r"))
	for i, r := range s {
		if strings.ContainsRune(special, r) || i < lead || i >= trail {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
