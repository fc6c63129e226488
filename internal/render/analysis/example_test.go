package analysis_test

import (
	"fmt"
	"math"
	"time"

	"github.com/mvgen/mvgen/internal/render/analysis"
)

// Hook finds where a clip should start: here a song of 20 s of a quiet
// A minor chord, 20 s of a loud C major one, and both again; the loud
// passage, repeated, starts at 20 s.
func ExampleHook() {
	var song []float32
	part := func(seconds, gain float64, chord ...float64) {
		for i := range int(seconds * analysis.SampleRate) {
			t := float64(i) / analysis.SampleRate
			var v float64
			for _, hz := range chord {
				v += math.Sin(2*math.Pi*hz*t) / float64(len(chord))
			}
			song = append(song, float32(gain*v))
		}
	}
	for range 2 {
		part(20, 0.05, 220, 261.63, 329.63)
		part(20, 0.3, 261.63, 329.63, 392)
	}
	fmt.Println(analysis.Hook(song, 15*time.Second))
	// Output: 20s
}
