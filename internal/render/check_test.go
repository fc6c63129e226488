package render

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckSource: the upload-time check refuses what Render would refuse,
// naming the problem, and passes a good track with its Info.
func TestCheckSource(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	good := makeAudio(t, dir, "good.mp3", 1)
	videoOnly := filepath.Join(dir, "video-only.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1", "-c:v", "libx264", videoOnly)
	tests := []struct {
		name    string
		r       Renderer
		path    string
		wantMsg string // a substring of the InputError's message; "" for success
	}{
		{"good mp3", Renderer{}, good, ""},
		{"video-only mp4", Renderer{}, videoOnly, "source file has no audio stream"},
		{"png", Renderer{}, makePNG(t, dir, 16, 16), "not a decodable audio file"},
		{"too long", Renderer{MaxDuration: time.Second}, good, "the limit is 1s"},
		{"too large", Renderer{MaxBytes: 100}, good, "the limit is 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := tt.r.CheckSource(context.Background(), tt.path)
			if tt.wantMsg == "" {
				if err != nil || info.Codec != "mp3" || info.Duration < time.Second {
					t.Fatalf("CheckSource = %+v, %v; want mp3 of 2 s, nil", info, err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("CheckSource error %v (%T), want *InputError", err, err)
			}
			if !strings.Contains(ie.Msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", ie.Msg, tt.wantMsg)
			}
		})
	}
}
