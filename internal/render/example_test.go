package render_test

import (
	"context"
	"errors"
	"fmt"
	"log"

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
