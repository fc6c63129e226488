package analysis_test

import (
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

func TestHook(t *testing.T) {
	t.Parallel()
	pop := rendertest.PopSong() // the first chorus starts at 24 s
	// sameChords: the verses play the chorus's chords, quieter and duller,
	// so only the loudness tells them apart.
	sameChords := rendertest.PopSong()
	sameChords[1].Chords, sameChords[3].Chords = sameChords[2].Chords, sameChords[2].Chords
	// loudOnce: a loud bridge that is never repeated comes before the
	// first chorus; the repetition must outweigh it.
	loudOnce := append(rendertest.PopSong()[:2:2],
		rendertest.SongPart{Name: "bridge", Seconds: 12, Chords: [][]float64{rendertest.Chord(311.13, false), rendertest.Chord(233.08, false)}, Gain: 0.25, Bright: true})
	loudOnce = append(loudOnce, rendertest.PopSong()[2:]...)
	tests := []struct {
		name  string
		parts []rendertest.SongPart
		clip  time.Duration
		want  time.Duration
	}{
		{"pop, 15 s clip", pop, 15 * time.Second, 24 * time.Second},
		{"pop, 30 s clip", pop, 30 * time.Second, 24 * time.Second},
		{"pop, 5 s clip", pop, 5 * time.Second, 24 * time.Second},
		{"verses with the chorus's chords", sameChords, 15 * time.Second, 24 * time.Second},
		{"a loud bridge heard once", loudOnce, 15 * time.Second, 36 * time.Second},
		{"song shorter than the clip", pop[:3], 60 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := analysis.Hook(rendertest.Song(tt.parts, analysis.SampleRate), tt.clip)
			t.Logf("picked %v, want %v", got, tt.want)
			if d := got - tt.want; d < -2*time.Second || d > 2*time.Second {
				t.Errorf("Hook = %v, want %v ± 2 s", got, tt.want)
			}
		})
	}
}

// TestHookFits: the clip from the hook always ends inside the song.
func TestHookFits(t *testing.T) {
	t.Parallel()
	samples := rendertest.Song(rendertest.PopSong(), analysis.SampleRate) // 80 s
	for _, clip := range []time.Duration{5 * time.Second, 45 * time.Second, 79 * time.Second, 80 * time.Second, 90 * time.Second} {
		got := analysis.Hook(samples, clip)
		if got < 0 || (clip < 80*time.Second && got+clip > 80*time.Second) || (clip >= 80*time.Second && got != 0) {
			t.Errorf("Hook(80 s song, %v) = %v: the clip does not fit", clip, got)
		}
	}
}
