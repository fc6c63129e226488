package scene

import (
	"context"
	"image"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// Theme draws a video's pictures: a look. It draws the still layers once
// (Still), then each frame over them (Draw).
//
// Every frame starts as a clone of the still picture (yuv.Frame.Clone)
// and is drawn into again and again: a frame buffer holds an earlier frame
// of the theme's when Draw is called, and Draw updates it where it
// changes. Draw must mark every macroblock it writes (yuv.Frame.Touch; the
// yuv drawing operations do): the in-process encoder compares, and tells
// libx264 to skip, only the macroblocks that either of two consecutive
// frames marks, so a missing mark freezes a macroblock in the video.
// scenetest.CheckMarks checks a theme's marks.
type Theme interface {
	// Bands is how many bands of the spectrum the theme shows: the length
	// of the analysis's Levels.Bands it is given. It is known before
	// Still.
	Bands() int
	// Still draws the layers that do not move (the background, the cover,
	// the texts) into the still picture, which it returns: the picture
	// every frame starts as. It is called once, before Draw, while the
	// audio is analysed; it may run ffmpeg.
	Still(ctx context.Context) (*yuv.Frame, error)
	// Draw draws frame i, with its analysis lv, into f: a clone of the
	// still picture that holds an earlier frame drawn by Draw, or none.
	// It may keep what f shows in f.State. It is called by several
	// goroutines at once, each with its own frames.
	Draw(f *yuv.Frame, i int, lv analysis.Levels)
	// Poster returns the video's poster picture (the designed still); it
	// is called after Still.
	Poster() *yuv.Frame
}

// Spec is what a theme is asked to draw.
type Spec struct {
	Aspect     mvgen.Aspect
	Resolution mvgen.Resolution
	// FullFrame lays 9:16 out over the whole frame, as before the
	// platform-safe layout (generate's "safeArea": false); without it,
	// everything informative stays inside the safe box (see Frame). Other
	// aspects ignore it.
	FullFrame bool
	FPS       int           // frames a second
	Frames    int           // the video's frames
	Duration  time.Duration // the video's length: the track's, or the clip's
	// Clip says the video is a part of the song (its Duration, Lyrics and
	// Sections are the part's, timed from its start): a theme shortens
	// its intro to fit a short one.
	Clip bool
	// Accent, when set, is the colour to draw the music in (the bars, the
	// pulse) and the hue of the background, instead of a colour picked
	// from the cover or the title.
	Accent *mvgen.Color

	// Title, Author and Domain are as the user gave them (any Unicode);
	// the theme cleans and cuts them (see text.Clean). Empty strings are
	// not drawn.
	Title, Author, Domain string
	// Logo is the key's brand logo (decoded by source.DecodeLogo), drawn
	// in the watermark's box before the domain (see Mark); nil for none.
	Logo image.Image
	// Cover is ffmpeg's input options that read the cover image
	// (source.Cover.InputArgs); nil without a cover.
	Cover []string
	// Lyrics are the timed lines to show; none without lyrics.
	Lyrics []lyrics.Line
	// Sections are the song's section markers; a theme may name the one an
	// instrumental break falls in (scene.Lyrics does).
	Sections []lyrics.Section
	// Font and BoldFont are the main font's faces (see text.DefaultFonts);
	// "" lets fontconfig choose for ffmpeg.
	Font, BoldFont string
	// Work is a private directory for the theme's files (such as the text
	// files ffmpeg reads), removed after the render.
	Work string
	// Threads caps the filter threads of the ffmpeg a theme runs; 0 lets
	// ffmpeg choose.
	Threads int
	// FFmpeg runs ffmpeg.
	FFmpeg *ffmpeg.Runner
}

// Size returns the width and height of a video of aspect a at resolution
// r, in pixels: 1280×720, 1080×1080, 720×1280 or 1080×1350 at 720p,
// 1920×1080, 1080×1080, 1080×1920 or 1080×1350 at 1080p (720p's size times
// 3/2 unless it is 1080 pixels wide already). An unknown aspect has the
// default's size.
// Every theme draws at this size (mvgen.Aspect.Size).
func Size(a mvgen.Aspect, r mvgen.Resolution) (width, height int) { return a.Size(r) }
