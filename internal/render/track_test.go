package render

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
)

// startTrack decodes the audio at path (seconds long) and analyses it into
// a track keeping window frames, for a layout of bars bars.
func startTrack(t *testing.T, ctx context.Context, path string, seconds, bars, window int) (*track, plan) {
	t.Helper()
	p := plan{Audio: path, Duration: time.Duration(seconds) * time.Second, Frames: seconds * frameRate,
		Layout: layout{BarCount: bars}}
	dec := (&Renderer{}).command(ctx, "decode", decodeArgs(p))
	samples, err := dec.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.start(); err != nil {
		t.Fatal(err)
	}
	tr := newTrack(p.Frames, window)
	go tr.analyse(ctx, p, dec, samples)
	return tr, p
}

// TestTrackWindowKeepsLevels checks that a track keeping only one GOP of
// levels, read by two goroutines drawing GOPs in turn as the encoders do,
// gives every frame the levels the analyser computes for the whole track
// at once.
func TestTrackWindowKeepsLevels(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	const seconds, bars = 25, 40 // five GOPs
	path := filepath.Join(t.TempDir(), "music.wav")
	makeMusic(t, path, seconds)
	tr, p := startTrack(t, context.Background(), path, seconds, bars, gopFrames)

	raw, err := exec.Command("ffmpeg", decodeArgs(p)...).Output()
	if err != nil {
		t.Fatalf("decoder: %v", err)
	}
	an := newAnalyser(bytes.NewReader(raw), bars)
	want := make([]levels, p.Frames)
	for i := range want {
		lv, err := an.next()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = levels{Bars: slices.Clone(lv.Bars), Pulse: lv.Pulse}
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for g := int(next.Add(1) - 1); g < gopCount(p.Frames); g = int(next.Add(1) - 1) {
				for i := g * gopFrames; i < min((g+1)*gopFrames, p.Frames); i++ {
					got, err := tr.wait(i)
					if err != nil {
						t.Error(err)
						return
					}
					if !slices.Equal(got.Bars, want[i].Bars) || got.Pulse != want[i].Pulse {
						t.Errorf("frame %d: got levels %v (pulse %v), want %v (pulse %v)",
							i, got.Bars[:4], got.Pulse, want[i].Bars[:4], want[i].Pulse)
						return
					}
					tr.drew(i)
				}
			}
		})
	}
	wg.Wait()
	if _, err := tr.wait(p.Frames); err != nil {
		t.Fatal(err)
	}
}

// TestTrackDropEndsAnalysis checks that the analysis stops a window ahead
// of the frames drawn, and runs to its end once the render drops the
// track.
func TestTrackDropEndsAnalysis(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	const seconds = 15
	path := filepath.Join(t.TempDir(), "music.wav")
	makeMusic(t, path, seconds)
	tr, p := startTrack(t, context.Background(), path, seconds, 8, gopFrames)
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
	tr.drop()
	done := make(chan error)
	go func() {
		_, err := tr.wait(p.Frames)
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
	if tr.ready != p.Frames {
		t.Errorf("got %d frames analysed, want %d", tr.ready, p.Frames)
	}
}
