package analysis

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
)

// SampleRate is the rate of the samples the analysis reads: mono 32-bit
// floats, little-endian (source.Decode decodes to them). At 30 fps a
// frame's hop is a whole number of samples (735); at 60 fps the hops
// alternate between 367 and 368, so frame i always starts at sample
// i·SampleRate/60 and the pictures never drift from the sound.
const SampleRate = 22050

// The audio analysis: every video frame gets one windowed FFT of fftSize
// samples centred on the middle of the frame's time.
const (
	fftSize = 2048 // ≈ 93 ms, 10.8 Hz a bin

	barLowHz, barHighHz = 50, 10000 // the bars span these frequencies, log-spaced
	floorDB, ceilDB     = -62, -12  // the pulse maps a band's level floorDB…ceilDB to 0…1
	silenceDB           = -60       // a window quieter than this (RMS, dBFS) is silence

	// The bars' levels are each band's level against its own recent past
	// (see measure): its running mean and mean deviation in dB, over about
	// statsSeconds.
	statsSeconds = 3.0
	tiltDB       = 3.0   // dB an octave added above tiltHz (and taken below): music is quieter up high
	tiltHz       = 500   // the tilt's pivot
	barCentre    = 0.55  // a band at its running mean is this high
	contrast     = 4.0   // the span of a full bar, in running mean deviations
	minDevDB     = 3.0   // the deviation is taken as at least this, so a steady band stays near barCentre
	quietGapDB   = 24.0  // a band whose mean is this far below the loudest band's starts to shrink
	quietSpanDB  = 36.0  // and is gone this much further below
	absFloorDB   = -80.0 // a band quieter than this (before the tilt) shows nothing

	// The rates below are per frame at rateFPS frames a second; at another
	// frame rate each becomes the rate that moves as far in the same time
	// (see perFrame), so a 60 fps video moves as a 30 fps one does.
	rateFPS                 = 30
	barAttack, barDecay     = 0.6, 0.15 // per-frame smoothing of the bars, rising and falling
	pulseAttack, pulseDecay = 0.7, 0.2  // and of the pulse
	beatHz                  = 250       // the pulse follows onsets in the bands below this: the beat
	fluxMeanRate            = 0.05      // weight of each frame in the running mean of the flux
	fluxThreshold           = 1.5       // an onset is flux above this many running means
	fluxFull                = 0.15      // flux above the threshold by this much is a full pulse
	settle                  = 0.004     // smoothed values below this snap to 0, so silence is still
)

// Levels is the analysis of one video frame: the bands' levels and the
// pulse, each 0…1, already smoothed.
type Levels struct {
	// Bands has one level a band, log-spaced from 50 Hz to 10 kHz: the
	// band's level against its own last three seconds (see measure), so
	// that a theme drawing them as bars uses their height whatever the
	// loudness.
	Bands []float64
	// Pulse follows the beat: the onsets in the bands below 250 Hz.
	Pulse float64
}

// Analyser turns a stream of mono float32 little-endian samples at
// SampleRate into one Levels per video frame. It keeps all its buffers
// between frames, so the per-frame cost is one FFT and no allocation.
type Analyser struct {
	src    io.Reader
	eof    bool
	fps    int
	hop    int // samples of this frame (see hopOf)
	frame  int // the frames read so far
	raw    []byte
	window []float64 // the last fftSize samples
	hann   []float64
	fft    *realFFT
	in     []float64 // the window times the Hann window
	power  []float64
	bands  []band
	beat   int       // the pulse follows bands[:beat]
	target []float64 // this frame's unsmoothed bar levels
	abs    []float64 // this frame's band levels on the fixed floorDB…ceilDB scale, for the pulse
	prev   []float64 // the last frame's
	db     []float64 // this frame's band levels in dB, tilted
	tilt   []float64 // each band's tilt in dB
	mean   []float64 // each band's running mean level in dB, tilted
	dev    []float64 // and its running mean absolute deviation
	heard  int       // frames with sound so far
	out    Levels
	flux   float64 // running mean of the spectral flux
	norm   float64 // 1 / the power sum of a full-scale sine

	// the smoothing rates at this frame rate
	barAttack, barDecay, pulseAttack, pulseDecay, fluxMeanRate float64
}

// perFrame converts rate, a weight per frame at rateFPS, to the weight per
// frame at fps that closes the same part of a gap in the same time.
func perFrame(rate float64, fps int) float64 {
	return 1 - math.Pow(1-rate, float64(rateFPS)/float64(fps))
}

// NewAnalyser reads samples from src and gives the levels of bands bands
// for each frame of a video at fps frames a second.
func NewAnalyser(src io.Reader, bands, fps int) *Analyser {
	hop := SampleRate / fps
	a := &Analyser{
		src:    src,
		fps:    fps,
		hop:    hop,
		raw:    make([]byte, 4*(hop+1)),
		window: make([]float64, fftSize),
		hann:   make([]float64, fftSize),
		fft:    newRealFFT(fftSize),
		in:     make([]float64, fftSize),
		power:  make([]float64, fftSize/2+1),
		bands:  bandBins(bands, barLowHz, barHighHz),
		beat:   max(1, int(float64(bands)*math.Log(beatHz/barLowHz)/math.Log(barHighHz/barLowHz))),
		target: make([]float64, bands),
		abs:    make([]float64, bands),
		prev:   make([]float64, bands),
		db:     make([]float64, bands),
		tilt:   make([]float64, bands),
		mean:   make([]float64, bands),
		dev:    make([]float64, bands),
		out:    Levels{Bands: make([]float64, bands)},

		barAttack: perFrame(barAttack, fps), barDecay: perFrame(barDecay, fps),
		pulseAttack: perFrame(pulseAttack, fps), pulseDecay: perFrame(pulseDecay, fps),
		fluxMeanRate: perFrame(fluxMeanRate, fps),
	}
	var sumSq float64
	for i := range a.hann {
		a.hann[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/fftSize)
		sumSq += a.hann[i] * a.hann[i]
	}
	// Parseval: a sine of amplitude 1 puts n·Σw²/4 of power in the
	// positive-frequency bins of its main lobe.
	a.norm = 4 / (fftSize * sumSq)
	for i := range a.tilt {
		centre := barLowHz * math.Pow(barHighHz/barLowHz, (float64(i)+0.5)/float64(bands))
		a.tilt[i] = tiltDB * math.Max(0, math.Log2(centre/tiltHz))
	}
	// The first window is centred on the middle of frame 0, so it starts
	// before the audio: the samples before 0 are silence.
	a.skip(fftSize/2 - hop/2)
	return a
}

// band is the part of the spectrum one bar shows: FFT bins [lo, hi), or,
// for a band narrower than a bin, the power interpolated at bin position at.
type band struct {
	lo, hi int
	at     float64
}

// bandBins splits lowHz…highHz into n log-spaced bands.
func bandBins(n int, lowHz, highHz float64) []band {
	binHz := float64(SampleRate) / fftSize
	bands := make([]band, n)
	for i := range bands {
		f0 := lowHz * math.Pow(highHz/lowHz, float64(i)/float64(n))
		f1 := lowHz * math.Pow(highHz/lowHz, float64(i+1)/float64(n))
		lo, hi := int(math.Ceil(f0/binHz)), int(math.Ceil(f1/binHz))
		if hi-lo < 2 {
			bands[i] = band{at: math.Sqrt(f0*f1) / binHz}
			continue
		}
		bands[i] = band{lo: lo, hi: min(hi, fftSize/2+1)}
	}
	return bands
}

// power returns the band's power in the spectrum p.
func (b band) power(p []float64) float64 {
	if b.hi == 0 {
		// A narrow band: its bin's power, interpolated, over the main
		// lobe (a sine in it spreads over about two bins).
		k := int(b.at)
		f := b.at - float64(k)
		return 2 * (p[k]*(1-f) + p[k+1]*f)
	}
	var sum float64
	for _, v := range p[b.lo:b.hi] {
		sum += v
	}
	return sum
}

// skip shifts n samples of silence into the window.
func (a *Analyser) skip(n int) {
	copy(a.window, a.window[n:])
	clear(a.window[fftSize-n:])
}

// read shifts the next hop of samples into the window; after the end of the
// stream it shifts in silence.
func (a *Analyser) read() error {
	// Frame i holds samples ⌊i·rate/fps⌋ up to ⌊(i+1)·rate/fps⌋.
	a.hop = (a.frame+1)*SampleRate/a.fps - a.frame*SampleRate/a.fps
	a.frame++
	n := 0
	if !a.eof {
		var err error
		n, err = io.ReadFull(a.src, a.raw[:4*a.hop])
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			a.eof = true
		case err != nil:
			return err
		}
	}
	copy(a.window, a.window[a.hop:])
	tail := a.window[fftSize-a.hop:]
	for i := range tail {
		if i < n/4 {
			tail[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(a.raw[4*i:])))
		} else {
			tail[i] = 0
		}
	}
	return nil
}

// Next reads one frame's hop of audio and returns the frame's levels.
// The returned Bands are reused by the next call. After the end of the
// stream, the frames are silent.
func (a *Analyser) Next() (Levels, error) {
	if err := a.read(); err != nil {
		return Levels{}, err
	}
	a.measure()
	onset := a.onset()
	for i, t := range a.target {
		a.out.Bands[i] = smooth(a.out.Bands[i], t, a.barAttack, a.barDecay)
	}
	a.out.Pulse = smooth(a.out.Pulse, onset, a.pulseAttack, a.pulseDecay)
	return a.out, nil
}

// measure sets target to the window's bar levels and abs to its band
// levels, all 0 in silence, and prev to the last frame's abs.
//
// A bar shows its band's level against the band's own last few seconds:
// at the running mean it stands barCentre high, and contrast running
// deviations span the whole bar, so every bar moves over most of its
// height whatever the loudness, and a steady sound (a tone, loud
// broadband noise) sits near barCentre instead of at the top. Bands much
// quieter than the loudest one (the tilt evens out music's usual fall
// towards the treble first) shrink, so that leakage and hiss are not
// blown up; and silence is 0 everywhere.
func (a *Analyser) measure() {
	copy(a.prev, a.abs)
	var sumSq float64
	for i, s := range a.window {
		sumSq += s * s
		a.in[i] = s * a.hann[i]
	}
	if rms := math.Sqrt(sumSq / fftSize); rms <= 0 || 20*math.Log10(rms) < silenceDB {
		clear(a.target)
		clear(a.abs)
		return
	}
	a.fft.power(a.in, a.power)
	// The running means start as plain means of the frames so far, so
	// that the first seconds of sound are measured against themselves.
	a.heard++
	rate := max(1/float64(a.heard), 1/(statsSeconds*float64(a.fps)))
	loudest := math.Inf(-1)
	for i, b := range a.bands {
		db := 10 * math.Log10(b.power(a.power)*a.norm+1e-12)
		a.abs[i] = math.Max(0, math.Min(1, (db-floorDB)/(ceilDB-floorDB)))
		a.db[i] = db + a.tilt[i]
		if a.heard == 1 {
			a.mean[i], a.dev[i] = a.db[i], minDevDB
		}
		a.mean[i] += (a.db[i] - a.mean[i]) * rate
		a.dev[i] += (math.Abs(a.db[i]-a.mean[i]) - a.dev[i]) * rate
		loudest = math.Max(loudest, a.mean[i])
	}
	for i, db := range a.db {
		if db-a.tilt[i] < absFloorDB {
			a.target[i] = 0
			continue
		}
		v := barCentre + (db-a.mean[i])/(contrast*math.Max(a.dev[i], minDevDB))
		v -= math.Max(0, loudest-quietGapDB-a.mean[i]) / quietSpanDB
		a.target[i] = math.Max(0, math.Min(1, v))
	}
}

// onset returns the pulse's target for this frame: how far the spectral
// flux of the beat's bands (their mean rise since the last frame) stands
// above its running mean.
func (a *Analyser) onset() float64 {
	var flux float64
	for i, t := range a.abs[:a.beat] {
		flux += math.Max(0, t-a.prev[i])
	}
	flux /= float64(a.beat)
	over := flux - fluxThreshold*a.flux
	a.flux += (flux - a.flux) * a.fluxMeanRate
	return math.Max(0, math.Min(1, over/fluxFull))
}

// smooth moves v towards target with the attack rate when rising and the
// decay rate when falling, snapping to 0 when it is about to vanish.
func smooth(v, target, attack, decay float64) float64 {
	if target > v {
		v += (target - v) * attack
	} else {
		v += (target - v) * decay
	}
	if v < settle {
		return 0
	}
	return v
}
