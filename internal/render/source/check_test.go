package source

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestCheckSource: the upload-time check refuses what a render would refuse,
// naming the problem, and passes a good track with its Info.
func TestCheckSource(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	good := rendertest.MakeAudio(t, dir, "good.mp3", 1)
	videoOnly := filepath.Join(dir, "video-only.mp4")
	rendertest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1", "-c:v", "libx264", videoOnly)
	roomy := Limits{MaxBytes: 200 << 20, MaxDuration: 15 * time.Minute}
	tests := []struct {
		name    string
		lim     Limits
		path    string
		wantMsg string // a substring of the InputError's message; "" for success
	}{
		{"good mp3", roomy, good, ""},
		{"video-only mp4", roomy, videoOnly, "source file has no audio stream"},
		{"png", roomy, rendertest.MakePNG(t, dir, 16, 16), "not a decodable audio file"},
		{"too long", Limits{MaxBytes: roomy.MaxBytes, MaxDuration: time.Second}, good, "the limit is 1s"},
		{"too large", Limits{MaxBytes: 100, MaxDuration: roomy.MaxDuration}, good, "the limit is 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := Check(context.Background(), "", tt.path, tt.lim)
			if tt.wantMsg == "" {
				if err != nil || info.Codec != "mp3" || info.Duration < time.Second {
					t.Fatalf("Check = %+v, %v; want mp3 of 2 s, nil", info, err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Check error %v (%T), want *InputError", err, err)
			}
			if !strings.Contains(ie.Msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", ie.Msg, tt.wantMsg)
			}
		})
	}
}
