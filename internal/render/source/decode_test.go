package source

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestDecodeReadsOnlyTheProbedDuration decodes an MP3 that decodes to 20 s
// but whose header says 2 s: the duration checked against the limit. The
// decoder must stop at 2 s.
func TestDecodeReadsOnlyTheProbedDuration(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	src := rendertest.LyingMP3(t, t.TempDir(), 20, 76) // 76 frames of 1152 samples at 44.1 kHz: 1.985 s
	info, err := Probe(context.Background(), "", src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration > 3*time.Second {
		t.Fatalf("probed duration %v, want about 2 s (the header was not patched)", info.Duration)
	}
	const rate = 22050
	dec, err := Decode(context.Background(), &ffmpeg.Runner{}, src, info.Duration, rate)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := io.ReadAll(dec)
	if err := dec.Finish(err); err != nil {
		t.Fatal(err)
	}
	if got, want := len(samples), int(info.Duration.Seconds()*rate)*4; got > want+4096 {
		t.Errorf("decoder wrote %d bytes of samples, want at most about %d", got, want)
	}
}

// TestDecodeShortIsUndecodable: a source that decodes to much less audio
// than its probed duration (here 2 s of a stated 10 s) is an *InputError.
func TestDecodeShortIsUndecodable(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	src := rendertest.MakeAudio(t, t.TempDir(), "a.wav", 1) // 1 s of tone and 1 s of noise
	for _, c := range []struct {
		stated time.Duration
		want   string
	}{{2 * time.Second, ""}, {10 * time.Second, errUndecodable}} {
		dec, err := Decode(context.Background(), &ffmpeg.Runner{}, src, c.stated, 22050)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(dec)
		err = dec.Finish(err)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("stated %v: Finish = %v, want nil", c.stated, err)
		case c.want != "" && !isInputError(err, c.want):
			t.Errorf("stated %v: Finish = %v, want an *InputError saying %q", c.stated, err, c.want)
		}
	}
}
