package analysis

import (
	"math"
	"math/bits"
)

// realFFT computes power spectra of real signals of a fixed power-of-two
// length n, through one complex radix-2 FFT of length n/2 (the even samples
// as real parts, the odd ones as imaginary parts) and a final split.
type realFFT struct {
	n        int
	re, im   []float64 // the n/2-point complex work arrays
	rev      []int     // bit reversal of 0…n/2-1
	cos, sin []float64 // twiddles of the n/2-point FFT, stage after stage: e^(-2πik/size), k < size/2
	wc, ws   []float64 // twiddles of the split: e^(-2πik/n), k < n/2
}

func newRealFFT(n int) *realFFT {
	if n < 4 || n&(n-1) != 0 {
		panic("realFFT: length must be a power of two of at least 4")
	}
	h := n / 2
	f := &realFFT{n: n, re: make([]float64, h), im: make([]float64, h), rev: make([]int, h),
		wc: make([]float64, h), ws: make([]float64, h)}
	shift := bits.UintSize - bits.Len(uint(h-1))
	for i := range f.rev {
		f.rev[i] = int(bits.Reverse(uint(i)) >> shift)
	}
	for size := 2; size <= h; size <<= 1 {
		for k := range size / 2 {
			a := 2 * math.Pi * float64(k) / float64(size)
			f.cos, f.sin = append(f.cos, math.Cos(a)), append(f.sin, -math.Sin(a))
		}
	}
	for k := range f.wc {
		f.wc[k], f.ws[k] = math.Cos(2*math.Pi*float64(k)/float64(n)), -math.Sin(2*math.Pi*float64(k)/float64(n))
	}
	return f
}

// power writes |X[k]|² for k = 0…n/2 of the DFT X of x (len(x) == n) into
// out (len(out) == n/2+1).
func (f *realFFT) power(x []float64, out []float64) {
	h := f.n / 2
	for i := range h {
		j := f.rev[i]
		f.re[j], f.im[j] = x[2*i], x[2*i+1]
	}
	f.transform()
	// X[0] and X[n/2] are the sum and the alternating sum of Z[0]'s parts.
	out[0] = (f.re[0] + f.im[0]) * (f.re[0] + f.im[0])
	out[h] = (f.re[0] - f.im[0]) * (f.re[0] - f.im[0])
	for k := 1; k < h; k++ {
		// Z[k] and conj(Z[h-k]) give the spectra of the even (E) and odd
		// (O) samples: E = (Z[k]+conj(Z[h-k]))/2, O = (Z[k]-conj(Z[h-k]))/2i,
		// and X[k] = E + e^(-2πik/n)·O.
		zr, zi := f.re[k], f.im[k]
		cr, ci := f.re[h-k], -f.im[h-k]
		er, ei := (zr+cr)/2, (zi+ci)/2
		or, oi := (zi-ci)/2, -(zr-cr)/2
		wr, wi := f.wc[k], f.ws[k]
		xr := er + wr*or - wi*oi
		xi := ei + wr*oi + wi*or
		out[k] = xr*xr + xi*xi
	}
}

// transform is an in-place iterative radix-2 FFT of re+i·im, whose input is
// already in bit-reversed order.
func (f *realFFT) transform() {
	h := len(f.re)
	tw := 0 // this stage's twiddles start here
	for size := 2; size <= h; size <<= 1 {
		half := size / 2
		cos, sin := f.cos[tw:tw+half], f.sin[tw:tw+half]
		for start := 0; start < h; start += size {
			ar, ai := f.re[start:start+half], f.im[start:start+half]
			br, bi := f.re[start+half:start+size], f.im[start+half:start+size]
			for k := range half {
				wr, wi := cos[k], sin[k]
				tr := wr*br[k] - wi*bi[k]
				ti := wr*bi[k] + wi*br[k]
				br[k], bi[k] = ar[k]-tr, ai[k]-ti
				ar[k], ai[k] = ar[k]+tr, ai[k]+ti
			}
		}
		tw += half
	}
}
