package render_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render"
)

// The zero Renderer finds ffmpeg, ffprobe and a font by itself. An
// *InputError means the source or cover cannot be used (the contract's code
// 400); any other error is the server's fault (500).
func ExampleRenderer_Render() {
	var r render.Renderer
	info, err := r.Render(context.Background(), render.Input{
		Audio:  "track.mp3",
		Cover:  "cover.jpg",
		Title:  "Midnight Drive",
		Author: "周杰倫",
		Domain: "example.com",
		Aspect: "9:16",
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

// The domain parses the aspect field before a render is queued; each
// aspect has its own size.
func ExampleAspect_Size() {
	for _, s := range []string{"", "1:1", "4:3"} {
		parsed, err := mvgen.ParseAspect(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		a := render.Aspect(parsed)
		w, h := a.Size()
		fmt.Printf("%q: %s, %d×%d\n", s, a, w, h)
	}
	// Output:
	// "": 16:9, 1280×720
	// "1:1": 1:1, 1080×1080
	// aspect "4:3" is not one of "16:9", "1:1" or "9:16"
}
