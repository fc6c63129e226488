package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestTape: readers of a tape, started while it records, read what the
// decoder gives, from where each starts (silence before the song), and a
// source that decodes short fails the tape.
func TestTape(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	src := rendertest.MakeAudio(t, t.TempDir(), "a.wav", 2) // 2 s of tone, 1 s of noise
	const rate = 22050
	dec, err := Decode(context.Background(), &ffmpeg.Runner{}, src, 3*time.Second, rate)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(dec)
	if err := dec.Finish(err); err != nil {
		t.Fatal(err)
	}

	dec, err = Decode(context.Background(), &ffmpeg.Runner{}, src, 3*time.Second, rate)
	if err != nil {
		t.Fatal(err)
	}
	tape := Record(dec, 0)
	for _, from := range []int{-300, 0, 12345, 3 * rate} {
		got, err := io.ReadAll(tape.Reader(from))
		if err != nil {
			t.Fatal(err)
		}
		w := want[4*max(0, min(from, len(want)/4)):]
		if from < 0 {
			w = append(make([]byte, -4*from), want...)
		}
		if !bytes.Equal(got, w) {
			t.Errorf("Reader(%d) read %d bytes, want the decoder's %d from there", from, len(got), len(w))
		}
	}
	samples, err := tape.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != len(want)/4 || math.Float32bits(samples[100]) != binary.LittleEndian.Uint32(want[400:]) {
		t.Errorf("Wait gave %d samples, want the decoder's %d", len(samples), len(want)/4)
	}

	// Stated 10 s, decodes 3: the tape's error says the source is bad.
	dec, err = Decode(context.Background(), &ffmpeg.Runner{}, src, 10*time.Second, rate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Record(dec, 0).Wait(); !isInputError(err, errUndecodable) {
		t.Errorf("a short decode: Wait = %v, want an *InputError saying %q", err, errUndecodable)
	}
}
