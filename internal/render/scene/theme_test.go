package scene

import (
	"fmt"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
)

func TestSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		res   mvgen.Resolution
		sizes [4][2]int // of 16:9, 1:1, 9:16 and 4:5
	}{
		{mvgen.HD, [4][2]int{{1280, 720}, {1080, 1080}, {720, 1280}, {1080, 1350}}},
		{mvgen.FullHD, [4][2]int{{1920, 1080}, {1080, 1080}, {1080, 1920}, {1080, 1350}}},
		{"", [4][2]int{{1280, 720}, {1080, 1080}, {720, 1280}, {1080, 1350}}},
	}
	for _, tt := range tests {
		for i, a := range []mvgen.Aspect{mvgen.Landscape, mvgen.Square, mvgen.Portrait, mvgen.Feed} {
			if w, h := Size(a, tt.res); w != tt.sizes[i][0] || h != tt.sizes[i][1] {
				t.Errorf("Size(%s, %s) = %d×%d, want %d×%d", a, tt.res, w, h, tt.sizes[i][0], tt.sizes[i][1])
			}
		}
	}
}

// The domain parses the aspect and resolution fields before a render is
// queued; each aspect has its own size at each resolution.
func ExampleSize() {
	for _, s := range []string{"", "1:1", "4:5", "4:3"} {
		a, err := mvgen.ParseAspect(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		w, h := Size(a, mvgen.HD)
		fw, fh := Size(a, mvgen.FullHD)
		fmt.Printf("%q: %s, %d×%d, at 1080p %d×%d\n", s, a, w, h, fw, fh)
	}
	// Output:
	// "": 16:9, 1280×720, at 1080p 1920×1080
	// "1:1": 1:1, 1080×1080, at 1080p 1080×1080
	// "4:5": 4:5, 1080×1350, at 1080p 1080×1350
	// aspect "4:3" is not one of "16:9", "1:1", "9:16" or "4:5"
}
