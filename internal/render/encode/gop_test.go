package encode

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/iotest"
)

// testGOPs returns n GOPs as x264 writes them (an SPS, a PPS, an SEI in
// the first, an IDR slice, P slices), with payloads that hold zero bytes
// and 00 00 03 sequences, as emulation prevention leaves them: never two
// zeros followed by a byte below 3, and a last byte that is not zero.
func testGOPs(n int, rng *rand.Rand) [][]byte {
	nal := func(code []byte, header byte, size int) []byte {
		b := append(slices.Clone(code), header)
		for range size {
			switch rng.IntN(5) {
			case 0:
				b = append(b, 0, 0, 3)
			case 1:
				if b[len(b)-1] != 0 {
					b = append(b, 0)
				}
			default:
				b = append(b, byte(1+rng.IntN(255)))
			}
		}
		return append(b, 0x80) // the stop bit
	}
	long, short := []byte{0, 0, 0, 1}, []byte{0, 0, 1}
	var gops [][]byte
	for g := range n {
		code := long
		if g%3 == 2 {
			code = short // a start code without its leading zero byte
		}
		gop := nal(code, 0x67, 10+rng.IntN(20))
		gop = append(gop, nal(long, 0x68, 4)...)
		if g == 0 {
			gop = append(gop, nal(short, 0x06, 300)...)
		}
		gop = append(gop, nal(long, 0x65, 1000+rng.IntN(5000))...)
		for range rng.IntN(20) {
			gop = append(gop, nal(short, 0x41, rng.IntN(3000))...)
		}
		gops = append(gops, gop)
	}
	return gops
}

// chunkReader returns its data in reads of random sizes.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(9000))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestSplitGOPs(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	want := testGOPs(12, rng)
	stream := bytes.Join(want, nil)
	for name, r := range map[string]io.Reader{
		"whole":       bytes.NewReader(stream),
		"random":      &chunkReader{data: stream, rng: rng},
		"one by one":  iotest.OneByteReader(bytes.NewReader(stream)),
		"half by one": iotest.HalfReader(bytes.NewReader(stream)),
	} {
		var got [][]byte
		err := splitGOPs(r, nil, func(gop []byte) error {
			got = append(got, gop)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d GOPs, want %d", name, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s: GOP %d is %d bytes starting % x, want %d starting % x",
					name, i, len(got[i]), got[i][:8], len(want[i]), want[i][:8])
			}
		}
	}
}

func TestSplitGOPsErrors(t *testing.T) {
	t.Parallel()
	gops := testGOPs(3, rand.New(rand.NewPCG(3, 4)))
	stop := errors.New("stop")
	calls := 0
	err := splitGOPs(bytes.NewReader(bytes.Join(gops, nil)), nil, func([]byte) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("emit failing: got %v after %d calls, want its error after 1", err, calls)
	}
	broken := errors.New("broken pipe")
	err = splitGOPs(iotest.ErrReader(broken), nil, func([]byte) error { return nil })
	if !errors.Is(err, broken) {
		t.Errorf("reader failing: got %v, want its error", err)
	}
	if err := splitGOPs(bytes.NewReader(nil), nil, func([]byte) error {
		t.Error("emit called for an empty stream")
		return nil
	}); err != nil {
		t.Errorf("empty stream: %v", err)
	}
}

func TestAssemblerWritesInOrder(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	a := &assembler{w: &out, ready: map[int][]byte{}}
	for _, g := range []int{2, 0, 3, 1, 5, 4} {
		if err := a.put(g, []byte{byte('a' + g)}); err != nil {
			t.Fatal(err)
		}
		if g == 2 && out.Len() != 0 {
			t.Errorf("GOP 2 written before GOP 0: %q", out.String())
		}
	}
	if got, want := out.String(), "abcdef"; got != want || a.next != 6 {
		t.Errorf("wrote %q (next %d), want %q (next 6)", got, a.next, want)
	}
	a = &assembler{w: iotestErrWriter{}, ready: map[int][]byte{}}
	if err := a.put(0, []byte("x")); err == nil {
		t.Error("a failing muxer gave no error")
	}
}

type iotestErrWriter struct{}

func (iotestErrWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }
