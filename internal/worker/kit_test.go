package worker

import (
	"errors"
	"fmt"
	"testing"
)

// TestKitMessage: a kit's failure names the rendition as the request
// numbers it, whichever way the renderer counted the renditions it was
// given (only those no earlier render made).
func TestKitMessage(t *testing.T) {
	t.Parallel()
	inner := errors.New("x")
	for _, tc := range []struct {
		err      error
		msg      string
		kitIndex []int
		want     string
	}{
		{fmt.Errorf("rendition 2: %w", inner), "the clip starts after the song ends", []int{1, 3}, "rendition 3: the clip starts after the song ends"},
		{inner, "renditions[0]: clips are not rendered by this build", []int{2}, "rendition 2: clips are not rendered by this build"},
		{inner, "the audio is not usable", []int{1}, "the audio is not usable"},
		{fmt.Errorf("rendition 5: %w", inner), "odd", []int{1}, "odd"},
	} {
		if got := kitMessage(tc.err, tc.msg, tc.kitIndex); got != tc.want {
			t.Errorf("kitMessage(%v, %q, %v) = %q, want %q", tc.err, tc.msg, tc.kitIndex, got, tc.want)
		}
	}
}
