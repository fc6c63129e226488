package analysis

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/source"
)

// gopFrames is the GOP's length in these tests: 5 s.
const gopFrames = 5 * frameRate

// startTrack decodes the audio at path (seconds long) and analyses it into
// a track keeping window frames of bands bands, as a render does; it
// returns the track and its frame count.
func startTrack(t *testing.T, ctx context.Context, path string, seconds, bands, window int) (*Track, int) {
	t.Helper()
	d := time.Duration(seconds) * time.Second
	dec, err := source.Decode(ctx, &ffmpeg.Runner{}, path, d, SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	frames := seconds * frameRate
	tr := NewTrack(frames, frameRate, gopFrames, bands, window)
	go func() { tr.End(dec.Finish(tr.Analyse(dec))) }()
	return tr, frames
}

// TestTrackWindowKeepsLevels checks that a track keeping only one GOP of
// levels, read by two goroutines drawing GOPs in turn as the encoders do,
// gives every frame the levels the analyser computes for the whole track
// at once.
func TestTrackWindowKeepsLevels(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	const seconds, bars = 25, 40 // five GOPs
	path := filepath.Join(t.TempDir(), "music.wav")
	rendertest.MakeMusic(t, path, seconds)
	tr, frames := startTrack(t, context.Background(), path, seconds, bars, gopFrames)

	raw, err := exec.Command("ffmpeg", source.DecodeArgs(path, seconds*time.Second, SampleRate)...).Output()
	if err != nil {
		t.Fatalf("decoder: %v", err)
	}
	an := NewAnalyser(bytes.NewReader(raw), bars, frameRate)
	want := make([]Levels, frames)
	for i := range want {
		lv, err := an.Next()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = Levels{Bands: slices.Clone(lv.Bands), Pulse: lv.Pulse}
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for g := int(next.Add(1) - 1); g < (frames+gopFrames-1)/gopFrames; g = int(next.Add(1) - 1) {
				for i := g * gopFrames; i < min((g+1)*gopFrames, frames); i++ {
					got, err := tr.Wait(i)
					if err != nil {
						t.Error(err)
						return
					}
					if !slices.Equal(got.Bands, want[i].Bands) || got.Pulse != want[i].Pulse {
						t.Errorf("frame %d: got levels %v (pulse %v), want %v (pulse %v)",
							i, got.Bands[:4], got.Pulse, want[i].Bands[:4], want[i].Pulse)
						return
					}
					tr.Drew(i)
				}
			}
		})
	}
	wg.Wait()
	if _, err := tr.Wait(frames); err != nil {
		t.Fatal(err)
	}
}

// TestTrackDropEndsAnalysis checks that the analysis stops a window ahead
// of the frames drawn, and runs to its end once the render drops the
// track.
func TestTrackDropEndsAnalysis(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	const seconds = 15
	path := filepath.Join(t.TempDir(), "music.wav")
	rendertest.MakeMusic(t, path, seconds)
	tr, frames := startTrack(t, context.Background(), path, seconds, 8, gopFrames)
	tr.mu.Lock()
	for tr.ready < gopFrames { // waiting: nothing has been drawn
		tr.cond.Wait()
	}
	tr.mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	tr.mu.Lock()
	ready := tr.ready
	tr.mu.Unlock()
	if ready != gopFrames {
		t.Fatalf("with nothing drawn, got %d frames analysed, want %d (one window)", ready, gopFrames)
	}
	tr.Drop()
	done := make(chan error)
	go func() {
		_, err := tr.Wait(frames)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the analysis did not end after drop")
	}
	if tr.ready != frames {
		t.Errorf("got %d frames analysed, want %d", tr.ready, frames)
	}
}
