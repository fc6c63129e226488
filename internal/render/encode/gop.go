package encode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// errMuxWrite marks a failure to write to the muxer, which the muxer's own
// error explains better.
var errMuxWrite = errors.New("writing to the muxer")

// assembler writes GOPs to w in order, keeping those that come early.
type assembler struct {
	mu    sync.Mutex
	w     io.Writer
	ready map[int][]byte
	next  int         // the next GOP to write
	spare *gopBuffers // when set, receives each GOP's buffer once written
}

// gopBuffers keeps the buffers of GOPs written to the muxer for splitGOPs
// to read the next GOPs into: without them, each GOP (about 0.8 MB at 720p)
// would be garbage once written, and the Go heap would grow to its
// collection goal, twice what it holds, during every render.
type gopBuffers struct {
	mu   sync.Mutex
	bufs [][]byte
}

// get returns an empty buffer of at least capacity n: a spare one when one
// is large enough.
func (g *gopBuffers) get(n int) []byte {
	if g != nil {
		g.mu.Lock()
		defer g.mu.Unlock()
		for i, b := range g.bufs {
			if cap(b) >= n {
				g.bufs = slices.Delete(g.bufs, i, i+1)
				return b[:0]
			}
		}
	}
	return make([]byte, 0, n)
}

// put keeps b for get; it keeps at most four buffers.
func (g *gopBuffers) put(b []byte) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.bufs) < 4 {
		g.bufs = append(g.bufs, b)
	}
}

// put adds GOP g and writes every GOP that is now next in line.
func (a *assembler) put(g int, data []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ready[g] = data
	for {
		data, ok := a.ready[a.next]
		if !ok {
			return nil
		}
		delete(a.ready, a.next)
		if _, err := a.w.Write(data); err != nil {
			return fmt.Errorf("render: %w: %w", errMuxWrite, err)
		}
		a.spare.put(data)
		a.next++
	}
}

// nalSPS is the NAL unit type of a sequence parameter set, which x264
// writes at the start of every GOP.
const nalSPS = 7

// splitGOPs reads an H.264 byte stream (Annex B) from r and calls emit with
// each GOP in turn: the bytes from one SPS NAL unit, with its start code,
// up to the next. Start codes cannot occur inside NAL units (emulation
// prevention), so the split is exact. emit owns the slice it is given.
// GOPs are read into buffers from spare (nil: new ones).
func splitGOPs(r io.Reader, spare *gopBuffers, emit func([]byte) error) error {
	const chunk = 256 << 10
	var cur []byte // the GOP being read
	scanned := 0   // start codes before this offset of cur have been looked at
	for {
		cur = slices.Grow(cur, chunk)
		n, err := r.Read(cur[len(cur) : len(cur)+chunk])
		cur = cur[:len(cur)+n]
		for {
			at := nextSPS(cur, scanned)
			if at < 0 {
				scanned = max(0, len(cur)-3) // a start code may straddle reads
				break
			}
			if at > 0 {
				gop := cur[:at:at]
				// The next GOP gets room for as much as this one and a
				// read more, so that it seldom grows (each growth is a
				// copy, and garbage).
				cur = append(spare.get(max(len(cur), at+at/4)+chunk), cur[at:]...)
				if err := emit(gop); err != nil {
					return err
				}
			}
			scanned = 4 // past the start code and header of the SPS now at 0
		}
		switch {
		case errors.Is(err, io.EOF):
			if len(cur) > 0 {
				return emit(cur)
			}
			return nil
		case err != nil:
			return fmt.Errorf("render: reading the encoder's output: %w", err)
		}
	}
}

// nextSPS returns the offset in b, at or after from, where the start code
// of an SPS NAL unit begins (with its leading zero byte, when it has one),
// or -1.
func nextSPS(b []byte, from int) int {
	for from < len(b) {
		i := bytes.Index(b[from:], []byte{0, 0, 1})
		if i < 0 || from+i+3 >= len(b) {
			return -1
		}
		at := from + i
		if b[at+3]&0x1f == nalSPS {
			if at > 0 && b[at-1] == 0 {
				at--
			}
			return at
		}
		from = at + 3
	}
	return -1
}
