package render

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Rendition is one more video of a kit: the same song in another shape or
// size, whole or as a clip (contract §6.5). RenderKit makes it beside the
// Input's own video, which is rendition 0.
type Rendition struct {
	// Aspect and Resolution are as in Input; FullFrame too.
	Aspect     mvgen.Aspect
	Resolution mvgen.Resolution
	FullFrame  bool
	// Clip, when set, makes a part of the song; nil makes all of it.
	Clip *Clip
	// Out and Poster are the paths of the MP4 and of its poster (optional),
	// written as Input's are.
	Out, Poster string
}

// Clip is the part of the song a rendition shows.
type Clip struct {
	// Start is where the clip starts in the song; with Auto, the renderer
	// picks it (the hook), and Start is ignored.
	Start time.Duration
	Auto  bool
	// Duration is the clip's length (5 to 90 s); a clip longer than the
	// song (or than what is left of it after Start) is cut to fit.
	Duration time.Duration
}

// Video is what RenderKit made of one rendition.
type Video struct {
	Aspect        mvgen.Aspect
	Resolution    mvgen.Resolution
	Width, Height int
	// Start and Duration place the video in the song: 0 and the song's
	// length for a whole one, the clip's start and length for a clip.
	Start, Duration time.Duration
}

// RenderKit renders in (rendition 0, the whole song) and each of kit's
// renditions, and returns what each video is, in that order. The kit
// succeeds or fails as a whole: on an error no output of it is left in
// place. in.Progress counts every rendition.
func (r *Renderer) RenderKit(ctx context.Context, in Input, kit []Rendition) (Info, []Video, error) {
	for i, k := range kit {
		if k.Clip != nil {
			return Info{}, nil, &InputError{Msg: fmt.Sprintf("renditions[%d]: clips are not rendered by this build", i)}
		}
	}
	n := float64(1 + len(kit))
	progress := func(base int) func(float64) {
		if in.Progress == nil {
			return nil
		}
		return func(f float64) { in.Progress((float64(base) + f) / n) }
	}
	whole := in
	whole.Progress = progress(0)
	info, err := r.Render(ctx, whole)
	if err != nil {
		return Info{}, nil, err
	}
	videos := []Video{videoOf(in.Aspect, in.Resolution, info.Duration)}
	made := []string{in.Out, in.Poster}
	for i, k := range kit {
		one := in
		one.Aspect, one.Resolution, one.FullFrame, one.Out, one.Poster = k.Aspect, k.Resolution, k.FullFrame, k.Out, k.Poster
		one.Progress = progress(1 + i)
		if _, err := r.Render(ctx, one); err != nil {
			removeAll(made)
			return Info{}, nil, fmt.Errorf("rendition %d: %w", i+1, err)
		}
		made = append(made, k.Out, k.Poster)
		videos = append(videos, videoOf(k.Aspect, k.Resolution, info.Duration))
	}
	return info, videos, nil
}

func videoOf(a mvgen.Aspect, r mvgen.Resolution, d time.Duration) Video {
	a, _ = mvgen.ParseAspect(string(a))
	r, _ = mvgen.ParseResolution(string(r))
	w, h := a.Size(r)
	return Video{Aspect: a, Resolution: r, Width: w, Height: h, Duration: d}
}

// removeAll removes the files at paths ("" skipped), the outputs of a kit
// that failed.
func removeAll(paths []string) {
	for _, p := range paths {
		if p != "" {
			os.Remove(p)
		}
	}
}
