package x264

import "testing"

// TestMacroblockCount: a side that is no multiple of 16 adds a row or
// column of macroblocks sticking out of the picture.
func TestMacroblockCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ w, h, want int }{
		{16, 16, 1},
		{17, 16, 2},
		{1280, 720, 80 * 45},
		{1920, 1080, 120 * 68},
		{720, 1280, 45 * 80},
		{0, 0, 0},
	} {
		if got := MacroblockCount(tc.w, tc.h); got != tc.want {
			t.Errorf("MacroblockCount(%d, %d) = %d, want %d", tc.w, tc.h, got, tc.want)
		}
	}
}
