package render_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render"
)

// The zero Renderer finds ffmpeg, ffprobe and a font by itself. A
// *render.InputError means the source or cover cannot be used (the
// contract's code 400); any other error is the server's fault (500).
func ExampleRenderer_Render() {
	var r render.Renderer
	info, err := r.Render(context.Background(), render.Input{
		Audio:  "track.mp3",
		Cover:  "cover.jpg",
		Title:  "Midnight Drive",
		Author: "周杰倫",
		Domain: "example.com",
		Aspect: mvgen.Portrait,
		Out:    "music_video.mp4",
		Progress: func(f float64) {
			fmt.Printf("\r%3.0f%%", 100*f)
		},
	})
	var bad *render.InputError
	switch {
	case errors.As(err, &bad):
		fmt.Println("unusable source:", bad.Msg)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Printf("\nrendered %v of %s audio\n", info.Duration, info.Codec)
	}
}

// A kit: the whole song at 16:9 (the Input's own video), the same at
// 9:16, and a 30 s 9:16 clip that starts at the hook. The source is
// decoded once for all three; either all are written or none.
func ExampleRenderer_RenderKit() {
	var r render.Renderer
	_, videos, err := r.RenderKit(context.Background(), render.Input{
		Audio: "track.mp3",
		Title: "Midnight Drive",
		Out:   "landscape.mp4",
	}, []render.Rendition{
		{Aspect: mvgen.Portrait, Out: "portrait.mp4"},
		{Aspect: mvgen.Portrait, Clip: &render.Clip{Auto: true, Duration: 30 * time.Second}, Out: "clip.mp4"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range videos {
		fmt.Printf("%s %dx%d from %v for %v\n", v.Aspect, v.Width, v.Height, v.Start, v.Duration)
	}
}
