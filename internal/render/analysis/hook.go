package analysis

import (
	"math"
	"time"
)

// The hook finder (see Hook): 12-bin chroma and loudness per block of
// hookBlock seconds.
const (
	hookBlock   = 0.5   // seconds a block
	hookFFT     = 8192  // ≈ 0.37 s, 2.7 Hz a bin: a semitone apart from 100 Hz up
	chromaLowHz = 80    // the chroma's pitches span these frequencies
	chromaHiHz  = 5000  //
	hookSegment = 10.0  // seconds at a window's start that are scored
	hookPeakTie = 0.9   // a window scoring this share of the best, earlier, is taken instead
	hookFlat    = 0.15  // a block whose chroma deviates this little from flat (noise, drums) has none
	hookQuietDB = -50.0 // blocks quieter than this (RMS, dBFS) count as silence
)

// Hook returns where the part of the song in samples (mono, at
// SampleRate) that best serves as a clip of length dur starts: the
// beginning of a loud passage that the song repeats, such as its first
// chorus. A song no longer than dur gives 0, and the clip it gives always
// fits in the song.
//
// The method: the song is cut into blocks of 0.5 s; each block gets a
// 12-bin chroma (the power of an 8192-point FFT around its middle, from
// 80 Hz to 5 kHz, folded onto the twelve pitch classes; centred and
// normalised, so that chords compare and flat noise matches nothing) and
// its RMS loudness. The repetition of the segment of hookSegment (10 s, or
// dur when shorter) from each block is its best mean chroma correlation
// with the segment at the same place an equal distance (at least its own
// length) earlier or later in the song: a chorus matches the other
// choruses. A segment's score is its repetition times its mean RMS, so a
// repeated loud passage beats a repeated quiet one (the verses often
// share the chorus's chords, not its loudness). The pick is the earliest
// start whose score is a local peak within 90 % of the best: the first of
// the choruses, which score alike.
func Hook(samples []float32, dur time.Duration) time.Duration {
	block := int(hookBlock * SampleRate)
	total := time.Duration(float64(len(samples)) / SampleRate * float64(time.Second))
	if total <= dur || len(samples) < 2*block {
		return 0
	}
	chroma, rms := blocks(samples, block)
	n := len(rms)
	seg := max(1, min(int(hookSegment/hookBlock), int(dur.Seconds()/hookBlock)))
	last := n - int(math.Ceil(dur.Seconds()/hookBlock)) // the last start at which the clip fits
	if last < 0 || seg > n/2 {
		return 0
	}
	last = min(last, n-seg)
	rep := repetition(chroma, seg)
	score := make([]float64, last+1)
	best := 0.0
	for w := range score {
		var loud float64
		for _, r := range rms[w : w+seg] {
			loud += r
		}
		score[w] = rep[w] * loud / float64(seg)
		best = max(best, score[w])
	}
	if best <= 0 {
		return 0
	}
	for w, s := range score {
		peak := (w == 0 || s >= score[w-1]) && (w == last || s >= score[w+1])
		if peak && s >= hookPeakTie*best {
			return time.Duration(float64(w) * hookBlock * float64(time.Second))
		}
	}
	return 0
}

// blocks returns the chroma (centred, unit length; zero for a block
// without pitch) and the RMS of each whole block of samples.
func blocks(samples []float32, block int) (chroma [][12]float64, rms []float64) {
	fft := newRealFFT(hookFFT)
	in := make([]float64, hookFFT)
	power := make([]float64, hookFFT/2+1)
	hann := make([]float64, hookFFT)
	for i := range hann {
		hann[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/hookFFT)
	}
	// pitch[k] is bin k's pitch class, -1 outside the chroma's range.
	binHz := float64(SampleRate) / hookFFT
	pitch := make([]int, len(power))
	for k := range pitch {
		f := float64(k) * binHz
		pitch[k] = -1
		if f >= chromaLowHz && f <= chromaHiHz {
			pitch[k] = ((int(math.Round(12*math.Log2(f/440)))+9)%12 + 12) % 12 // 0 is C
		}
	}
	n := len(samples) / block
	chroma, rms = make([][12]float64, n), make([]float64, n)
	for b := range n {
		var sumSq float64
		for _, s := range samples[b*block : (b+1)*block] {
			sumSq += float64(s) * float64(s)
		}
		rms[b] = math.Sqrt(sumSq / float64(block))
		if 20*math.Log10(rms[b]+1e-12) < hookQuietDB {
			rms[b] = 0
			continue
		}
		from := b*block + block/2 - hookFFT/2
		for i := range in {
			if j := from + i; j >= 0 && j < len(samples) {
				in[i] = float64(samples[j]) * hann[i]
			} else {
				in[i] = 0
			}
		}
		fft.power(in, power)
		c := &chroma[b]
		for k, p := range power {
			if pitch[k] >= 0 {
				c[pitch[k]] += p
			}
		}
		centre(c)
	}
	return chroma, rms
}

// centre makes c a unit vector of its deviations from its mean, or zero
// when they are small against its size (the spectrum is about flat).
func centre(c *[12]float64) {
	var mean, norm float64
	for _, v := range c {
		mean += v / 12
		norm += v * v
	}
	var dev float64
	for i := range c {
		c[i] -= mean
		dev += c[i] * c[i]
	}
	if dev <= 0 || math.Sqrt(dev) < hookFlat*math.Sqrt(norm) {
		*c = [12]float64{}
		return
	}
	dev = math.Sqrt(dev)
	for i := range c {
		c[i] /= dev
	}
}

// repetition returns, for each block i, how well the seg blocks from i
// repeat elsewhere: the best mean correlation (negative counted as 0)
// between them and the seg blocks an equal lag of at least seg away, for
// every lag. It walks each diagonal of the self-similarity matrix once,
// with running sums, so its cost is n² correlations.
func repetition(chroma [][12]float64, seg int) []float64 {
	n := len(chroma)
	rep := make([]float64, n)
	diag := make([]float64, n)
	for lag := seg; lag+seg <= n; lag++ {
		m := n - lag // the diagonal's length: blocks i and i+lag, i < m
		for i := range m {
			var dot float64
			a, b := &chroma[i], &chroma[i+lag]
			for k := range 12 {
				dot += a[k] * b[k]
			}
			diag[i] = max(0, dot)
		}
		var sum float64
		for i := range m {
			sum += diag[i]
			if i >= seg {
				sum -= diag[i-seg]
			}
			if i >= seg-1 {
				s := i - seg + 1 // the segment from s matches the one from s+lag
				mean := sum / float64(seg)
				rep[s] = max(rep[s], mean)
				rep[s+lag] = max(rep[s+lag], mean)
			}
		}
	}
	return rep
}
