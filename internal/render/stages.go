package render

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/encode"
	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/safe"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/scene/bars"
	"github.com/mvgen/mvgen/internal/render/source"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// newTheme returns the theme named name (a parsed mvgen.Theme), drawing
// spec.
func newTheme(name mvgen.Theme, spec scene.Spec) scene.Theme {
	switch name {
	default: // mvgen.Bars
		return bars.New(spec)
	}
}

// run renders j, stage by stage (see doc.go): the source's decoder starts
// first and its analysis runs alongside everything else; the theme draws
// its still layers; then the encoders draw the frames with the theme and
// encode them, and the muxer writes the MP4. With sink set, the frames are
// written to sink in order instead, not encoded (the tests and the
// benchmark's baselines use this).
//
// When j.poster is set, run also writes the poster while the frames are
// encoded, and returns its temporary file, which the caller renames into
// place or removes.
func (r *Renderer) run(ctx context.Context, j job, sink io.Writer, progress func(float64)) (poster string, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ff := r.runner()
	w, h := scene.Size(j.aspect, j.resolution)
	video := encode.Video{W: w, H: h, FPS: j.fps, Frames: j.frames}
	encoders := r.encoders(video)
	font, boldFont := r.fonts()
	theme := newTheme(j.theme, scene.Spec{Aspect: j.aspect, Resolution: j.resolution, FullFrame: j.fullFrame, FPS: j.fps, Frames: j.frames,
		Accent:   j.accent,
		Duration: j.length, Clip: j.clip, Title: j.title, Author: j.author, Domain: j.domain, Cover: j.cover,
		Lyrics: j.lyrics, Sections: j.sections, Font: font, BoldFont: boldFont, Work: j.work, Threads: r.Threads, FFmpeg: ff})
	if j.clip {
		theme = scene.Fade(theme, j.frames, int(ClipFade.Seconds()*float64(j.fps)))
	}

	// The lyrics as a SubRip file for the muxer's mov_text track, when
	// asked for.
	var captions string
	if j.embed && len(j.lyrics) > 0 && sink == nil {
		captions = filepath.Join(j.work, "captions.srt")
		if err := os.WriteFile(captions, lyrics.Lyrics{Lines: j.lyrics}.SRT(0, j.length), 0o600); err != nil {
			return "", fmt.Errorf("render: writing captions: %w", err)
		}
	}

	// Source and analysis: the decoder (or the kit's tape), and the
	// analysis of its samples, which stays a window of frames ahead of the
	// drawing.
	tr := analysis.NewTrack(j.frames, j.fps, video.GOP(), theme.Bands(), analysis.Window(encoders, video.GOP()))
	if err := r.analyse(ctx, ff, j, tr); err != nil {
		return "", err
	}

	// Scene: the theme's still layers (and its lyrics, laid out meanwhile).
	start := time.Now()
	still, err := theme.Still(ctx)
	if err != nil {
		cancel()
		tr.Drop()
		tr.Wait(j.frames)
		return "", err
	}
	r.logger().DebugContext(ctx, "static step done", "elapsed", time.Since(start))
	type written struct {
		tmp string
		err error
	}
	posterDone := make(chan written, 1)
	if j.poster != "" && sink == nil {
		go func() {
			var tmp string
			err := safe.Call(func() (err error) {
				tmp, err = writePoster(theme.Poster().RGBA(), j.poster)
				return err
			})
			posterDone <- written{tmp, err}
		}()
	} else {
		posterDone <- written{}
	}

	// Encode: each frame is a copy of the still picture that the theme
	// draws into once the analysis has the frame's levels.
	frames := encode.Frames{New: still.Clone, Draw: func(f *yuv.Frame, i int) error {
		lv, err := tr.Wait(i)
		if err == nil {
			safe.Failpoint("draw", j.title)
			theme.Draw(f, i, lv)
			tr.Drew(i)
		}
		return err
	}}
	if sink != nil {
		err = encode.Raw(ctx, sink, video, frames)
	} else {
		err = encode.Run(ctx, r.encoder(ff), ff, encode.Job{Video: video, Frames: frames, Encoders: encoders,
			Output: encode.Output{Path: j.out, Audio: j.audio, Start: j.start, Duration: j.length, Fade: j.fade(),
				CopyAudio: j.copyAudio, AudioRate: j.audioRate, Captions: captions},
			Progress: progress})
		r.logger().DebugContext(ctx, "frames drawn and encoded", "frames", j.frames, "elapsed", time.Since(start))
	}
	tr.Drop()
	pw := <-posterDone
	if err == nil {
		err = pw.err
	}
	// The analysis's error explains a failure best: the source is bad.
	if _, aerr := tr.Wait(j.frames); aerr != nil {
		err = aerr
	}
	if err != nil && pw.tmp != "" {
		os.Remove(pw.tmp)
		pw.tmp = ""
	}
	return pw.tmp, err
}

// analyse starts the analysis of j's audio into tr, in a goroutine: of
// the samples of a decoder started here or, in a kit, of the kit's tape,
// from a little before the video's start (see analysisLead). The render
// must Drop tr when it stops drawing; tr ends when the analysis does.
func (r *Renderer) analyse(ctx context.Context, ff *ffmpeg.Runner, j job, tr *analysis.Track) error {
	// The lead is whole seconds, so that the video's frames start on the
	// same samples at 30 and 60 fps.
	lead := int(min(j.start, analysisLead).Seconds())
	if j.tape == nil {
		at := j.start - time.Duration(lead)*time.Second
		dec, err := source.DecodeAt(ctx, ff, j.audio, at, j.length+j.start-at, analysis.SampleRate)
		if err != nil {
			return err
		}
		go func() { tr.End(safe.Call(func() error { return dec.Finish(tr.AnalyseAfter(dec, lead*j.fps)) })) }()
		return nil
	}
	from := int(math.Round(j.start.Seconds()*analysis.SampleRate)) - lead*analysis.SampleRate
	go func() {
		tr.End(safe.Call(func() error {
			err := tr.AnalyseAfter(j.tape.Reader(from), lead*j.fps)
			if _, terr := j.tape.Wait(); terr != nil {
				return terr
			}
			return err
		}))
	}()
	return nil
}

// fade is how long j's audio fades in and out: ClipFade for a clip.
func (j job) fade() time.Duration {
	if j.clip {
		return ClipFade
	}
	return 0
}
