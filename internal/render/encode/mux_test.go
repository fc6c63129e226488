package encode

import (
	"testing"

	"github.com/mvgen/mvgen/internal/render/source"
)

func TestAudioPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		info     source.Info
		wantCopy bool
		wantRate int64
	}{
		{source.Info{Codec: "mp3", BitRate: 128_000, SampleRate: 44100, Channels: 2}, true, 0},
		{source.Info{Codec: "aac", BitRate: 256_000, SampleRate: 48000, Channels: 2}, true, 0},
		{source.Info{Codec: "alac", SampleRate: 44100, Channels: 2}, true, 0},
		{source.Info{Codec: "flac", BitRate: 900_000, SampleRate: 44100, Channels: 2}, false, 320_000},
		{source.Info{Codec: "pcm_s16le", BitRate: 1_411_200, SampleRate: 44100, Channels: 2}, false, 320_000},
		{source.Info{Codec: "pcm_s16le", BitRate: 705_600, SampleRate: 44100, Channels: 1}, false, 192_000},
		{source.Info{Codec: "vorbis", BitRate: 128_000, SampleRate: 44100, Channels: 2}, false, 192_000},
		{source.Info{Codec: "opus", BitRate: 256_000, SampleRate: 48000, Channels: 2}, false, 256_000},
		{source.Info{Codec: "vorbis", BitRate: 900_000, SampleRate: 44100, Channels: 2}, false, 529_200},
		{source.Info{Codec: "pcm_u8", BitRate: 64_000, SampleRate: 8000, Channels: 1}, false, 48_000},
	}
	for _, tt := range tests {
		gotCopy, gotRate := AudioFor(tt.info)
		if gotCopy != tt.wantCopy || gotRate != tt.wantRate {
			t.Errorf("AudioFor(%+v) = %v, %d, want %v, %d", tt.info, gotCopy, gotRate, tt.wantCopy, tt.wantRate)
		}
	}
}

// TestFramesExceedThePipe: vmsplice is used only when the encoder's pipe
// holds less than a frame (see frameWriter), which every video's frame
// does: the smallest, 1280×720 and 720×1280 (scene.Size), too.
func TestFramesExceedThePipe(t *testing.T) {
	t.Parallel()
	if w, h := 1280, 720; w*h*3/2 <= pipeSize {
		t.Errorf("a frame of %d×%d (%d bytes) must be larger than the pipe (%d)", w, h, w*h*3/2, pipeSize)
	}
}
