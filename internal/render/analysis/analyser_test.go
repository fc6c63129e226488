package analysis

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// frameRate is the video's frame rate in these tests.
const frameRate = 30

func TestRealFFTPower(t *testing.T) {
	t.Parallel()
	for _, n := range []int{4, 8, 64, 2048} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.Float64()*2 - 1
		}
		got := make([]float64, n/2+1)
		newRealFFT(n).power(x, got)
		for k := 0; k <= n/2; k++ {
			var sum complex128
			for i, v := range x {
				sum += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(i*k)/float64(n)))
			}
			want := real(sum)*real(sum) + imag(sum)*imag(sum)
			if math.Abs(got[k]-want) > 1e-9*math.Max(1, want) {
				t.Errorf("n=%d: |X[%d]|² = %g, want %g", n, k, got[k], want)
			}
		}
	}
}

// samples encodes signal as the decoder's f32le stream.
func samples(signal []float64) *bytes.Reader {
	var b bytes.Buffer
	for _, v := range signal {
		binary.Write(&b, binary.LittleEndian, float32(v))
	}
	return bytes.NewReader(b.Bytes())
}

// analyse returns the levels of every frame of signal (copied, since the
// analyser reuses its slice).
func analyse(t *testing.T, signal []float64, bars, frames int) []Levels {
	t.Helper()
	a := NewAnalyser(samples(signal), bars, frameRate)
	out := make([]Levels, frames)
	for i := range out {
		lv, err := a.Next()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = Levels{Bands: append([]float64(nil), lv.Bands...), Pulse: lv.Pulse}
	}
	return out
}

func sine(hz, amp, seconds float64) []float64 {
	s := make([]float64, int(seconds*SampleRate))
	for i := range s {
		s[i] = amp * math.Sin(2*math.Pi*hz*float64(i)/SampleRate)
	}
	return s
}

func TestSineLandsInItsBar(t *testing.T) {
	t.Parallel()
	const bars = 56
	for _, want := range []int{1, 8, 20, 30, 40, 54} {
		// The sine is at the (logarithmic) centre of bar want.
		hz := barLowHz * math.Pow(barHighHz/barLowHz, (float64(want)+0.5)/bars)
		// Three seconds in, the bars measure the tone against its own
		// past.
		lv := analyse(t, sine(hz, 0.1, 4), bars, 3*frameRate)[3*frameRate-1]
		got := 0
		for i, v := range lv.Bands {
			if v > lv.Bands[got] {
				got = i
			}
		}
		if got != want {
			t.Errorf("%g Hz: the tallest bar is %d (%.2f), want %d (%.2f)", hz, got, lv.Bands[got], want, lv.Bands[want])
		}
		if lv.Bands[got] < barCentre-0.05 {
			t.Errorf("%g Hz at -20 dBFS: the bar is %.2f high, want at least %.2f", hz, lv.Bands[got], barCentre-0.05)
		}
		// Away from the sine, by more than three bars and more than the
		// window's main lobe (±2 bins), the bars stay low.
		binHz := float64(SampleRate) / fftSize
		for i, v := range lv.Bands {
			f0 := barLowHz * math.Pow(barHighHz/barLowHz, float64(i)/bars)
			f1 := barLowHz * math.Pow(barHighHz/barLowHz, float64(i+1)/bars)
			near := (i >= want-3 && i <= want+3) || (f1 > hz-3*binHz && f0 < hz+3*binHz)
			if !near && v > 0.2 {
				t.Errorf("%g Hz: bar %d (%.0f–%.0f Hz) is %.2f high, want the energy near bar %d", hz, i, f0, f1, v, want)
			}
		}
	}
}

// TestSilenceIsStill checks that silence gives empty bars and no pulse, at
// once from the start and within a few dozen frames after a loud part.
func TestSilenceIsStill(t *testing.T) {
	t.Parallel()
	signal := append(sine(440, 0.5, 1), make([]float64, 2*SampleRate)...)
	signal = append(make([]float64, SampleRate), signal...)
	lv := analyse(t, signal, 40, 4*frameRate)
	still := func(l Levels) bool {
		for _, v := range l.Bands {
			if v != 0 {
				return false
			}
		}
		return l.Pulse == 0
	}
	for i := range frameRate - 2 {
		if !still(lv[i]) {
			t.Fatalf("frame %d of leading silence moves: %+v", i, lv[i])
		}
	}
	if still(lv[frameRate+10]) {
		t.Errorf("frame %d of the tone is still", frameRate+10)
	}
	for i := 3*frameRate + frameRate/2; i < len(lv); i++ {
		if !still(lv[i]) {
			t.Fatalf("frame %d, 1.5 s into the silence, moves: %+v", i, lv[i])
		}
	}
}

// TestPulseFollowsBeat feeds a kick drum every half second over a steady
// tone and checks that the pulse peaks on the kicks and falls between them.
func TestPulseFollowsBeat(t *testing.T) {
	t.Parallel()
	signal := sine(440, 0.2, 4)
	for i := range signal {
		tt := float64(i) / SampleRate
		signal[i] += 0.6 * math.Sin(2*math.Pi*55*tt) * math.Exp(-12*math.Mod(tt, 0.5))
	}
	lv := analyse(t, signal, 56, 4*frameRate)
	for beat := 2; beat < 7; beat++ {
		on := beat * frameRate / 2
		peak := max(lv[on].Pulse, lv[on+1].Pulse, lv[on+2].Pulse)
		if peak < 0.6 {
			t.Errorf("beat %d (frame %d): pulse peaks at %.2f, want at least 0.6", beat, on, peak)
		}
		if before := lv[on-1].Pulse; before > 0.25 {
			t.Errorf("frame %d, just before beat %d: pulse %.2f, want below 0.25", on-1, beat, before)
		}
	}
}

// BenchmarkAnalyse measures the audio analysis of one frame.
func BenchmarkAnalyse(b *testing.B) {
	a := NewAnalyser(&noise{rng: rand.New(rand.NewPCG(3, 4))}, 56, frameRate)
	for b.Loop() {
		if _, err := a.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// noise is an endless stream of random float32le samples.
type noise struct{ rng *rand.Rand }

func (n *noise) Read(p []byte) (int, error) {
	for i := 0; i+3 < len(p); i += 4 {
		v := math.Float32bits(float32(n.rng.Float64()*0.5 - 0.25))
		p[i], p[i+1], p[i+2], p[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return len(p) &^ 3, nil
}

// TestSixtyFPSMovesAsThirty analyses beats and a tone switching on and off
// at 30 and at 60 frames a second: at the end of each 30 fps frame, the
// 60 fps analysis (its odd frames end on the same sample) shows the same
// bars and pulse, so a 60 fps video moves as fast as a 30 fps one, only
// more smoothly; and after 60 s its frames still end on the right sample
// (367.5 samples a frame: the hops alternate).
func TestSixtyFPSMovesAsThirty(t *testing.T) {
	t.Parallel()
	const seconds = 6
	signal := sine(440, 0.2, seconds)
	for i := range signal {
		tt := float64(i) / SampleRate
		signal[i] += 0.6 * math.Sin(2*math.Pi*55*tt) * math.Exp(-12*math.Mod(tt, 0.5))
		if math.Mod(tt, 1.5) > 0.75 {
			signal[i] += 0.3 * math.Sin(2*math.Pi*2000*tt)
		}
	}
	at30 := analyseAt(t, signal, 56, seconds*30, 30)
	at60 := analyseAt(t, signal, 56, seconds*60, 60)
	var bars, pulse, mostBar, mostPulse float64
	for k := range at30 {
		a, b := at30[k], at60[2*k+1]
		for i := range a.Bands {
			d := math.Abs(a.Bands[i] - b.Bands[i])
			bars, mostBar = bars+d, max(mostBar, d)
		}
		d := math.Abs(a.Pulse - b.Pulse)
		pulse, mostPulse = pulse+d, max(mostPulse, d)
	}
	bars /= float64(len(at30) * 56)
	pulse /= float64(len(at30))
	t.Logf("30 against 60 fps: bars differ by %.4f on average (largest %.3f), the pulse by %.4f (largest %.3f)", bars, mostBar, pulse, mostPulse)
	// With the 30 fps rates used per frame at 60 fps, the bars differ by
	// 0.019 on average and the pulse by 0.089 (largest 0.21).
	if bars > 0.015 || pulse > 0.02 || mostPulse > 0.1 {
		t.Errorf("60 fps differs from 30 fps: bars by %.4f on average (want ≤ 0.015), pulse by %.4f (≤ 0.02), largest %.3f (≤ 0.1)", bars, pulse, mostPulse)
	}

	a := NewAnalyser(samples(make([]float64, 61*SampleRate)), 56, 60)
	read := 0
	for range 60 * 60 {
		if _, err := a.Next(); err != nil {
			t.Fatal(err)
		}
		read += a.hop
	}
	if read != 60*SampleRate {
		t.Errorf("60 s of frames at 60 fps read %d samples, want %d", read, 60*SampleRate)
	}
}

func analyseAt(t *testing.T, signal []float64, bars, frames, fps int) []Levels {
	t.Helper()
	a := NewAnalyser(samples(signal), bars, fps)
	out := make([]Levels, frames)
	for i := range out {
		lv, err := a.Next()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = Levels{Bands: append([]float64(nil), lv.Bands...), Pulse: lv.Pulse}
	}
	return out
}
