package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register the JPEG header reader for image.DecodeConfig
	_ "image/png"  // register the PNG header reader for image.DecodeConfig
	"io"
	"os"
	"strconv"
)

// Cover limits: a cover larger than this is refused before anything decodes
// its pixels.
const (
	maxCoverPixels = 40_000_000
	maxCoverSide   = 12_000
)

// Cover is what the header of a cover image says about it.
type Cover struct {
	Format        string // "jpeg", "png" or "webp"
	Width, Height int
}

// InputArgs returns ffmpeg's options that read this cover from path
// (absolute): through the demuxer of its format, from a local file only,
// and with -max_pixels, which makes the decoder refuse a picture over the
// cover limit whatever its header said, in case a format hides its size
// from CheckCover's header reading.
func (c Cover) InputArgs(path string) []string {
	return []string{"-max_pixels", strconv.Itoa(maxCoverPixels),
		"-f", c.Format + "_pipe", "-protocol_whitelist", "file", "-i", "file:" + path}
}

// CheckCover reads only the header of the image at path and refuses covers
// that are not JPEG, PNG or WebP, are animated, or are too large. The size
// it checks is the one ffmpeg decodes at: a JPEG's first frame header, a
// PNG's IHDR, a WebP's image chunk (not its VP8X canvas). The static step
// also passes ffmpeg -max_pixels (see InputArgs), so a picture that decodes
// larger than its header said is refused there.
func CheckCover(path string) (Cover, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Cover{}, &InputError{Msg: "cover image not found", Err: err}
		}
		return Cover{}, fmt.Errorf("opening cover: %w", err)
	}
	defer f.Close()
	c, err := readCoverHeader(bufio.NewReader(f))
	if err != nil {
		return Cover{}, err
	}
	if c.Width <= 0 || c.Height <= 0 {
		return Cover{}, &InputError{Msg: "cover image has no pixels"}
	}
	if c.Width > maxCoverSide || c.Height > maxCoverSide ||
		int64(c.Width)*int64(c.Height) > maxCoverPixels {
		return Cover{}, &InputError{Msg: fmt.Sprintf(
			"cover image is %d×%d pixels; the limit is %d pixels a side and %d megapixels",
			c.Width, c.Height, maxCoverSide, maxCoverPixels/1_000_000)}
	}
	return c, nil
}

// readCoverHeader sniffs the format and dimensions of an image.
func readCoverHeader(r *bufio.Reader) (Cover, error) {
	const notImage = "cover is not a JPEG, PNG or WebP image"
	head, _ := r.Peek(12)
	if len(head) == 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		w, h, err := webpSize(r)
		if err != nil {
			return Cover{}, err
		}
		return Cover{Format: "webp", Width: w, Height: h}, nil
	}
	cfg, format, err := image.DecodeConfig(r)
	if err != nil || (format != "jpeg" && format != "png") {
		return Cover{}, &InputError{Msg: notImage, Err: err}
	}
	return Cover{Format: format, Width: cfg.Width, Height: cfg.Height}, nil
}

// webpSize reads the size ffmpeg will decode a WebP file at. A simple file's
// first chunk is VP8 (lossy) or VP8L (lossless) and holds the image. An
// extended file starts with VP8X, whose canvas size ffmpeg does not decode
// at: it decodes the first VP8 or VP8L chunk that follows at that chunk's
// own frame size, so a 54-byte file whose canvas says 100×100 can hold a
// 6400×6400 bitstream. The chunks are walked to that image and its frame
// size is what counts; a canvas that differs from it is refused, as libwebp
// refuses it for a still image. Animated files are refused: ffmpeg cannot
// decode them.
func webpSize(r io.Reader) (w, h int, err error) {
	bad := func(why string) (int, int, error) {
		return 0, 0, &InputError{Msg: "cover is not a valid WebP image", Err: errors.New(why)}
	}
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return bad("truncated header")
	}
	left := int64(binary.LittleEndian.Uint32(riff[4:8])) - 4 // bytes of chunks the RIFF header declares
	canvasW, canvasH := 0, 0
	for i := 0; i < maxWebpChunks; i++ {
		var hdr [8]byte
		if left < 8 {
			return bad("no VP8 or VP8L image chunk")
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return bad("truncated chunk header")
		}
		id, size := string(hdr[0:4]), int64(binary.LittleEndian.Uint32(hdr[4:8]))
		left -= 8 + size + size&1
		if left < 0 {
			return bad(fmt.Sprintf("chunk %q is longer than the file says", id))
		}
		if i == 0 && id != "VP8 " && id != "VP8L" && id != "VP8X" {
			return bad(fmt.Sprintf("unknown first chunk %q", id))
		}
		switch id {
		case "VP8 ", "VP8L":
			var payload [10]byte
			n, _ := io.ReadFull(r, payload[:min(size, int64(len(payload)))])
			if w, h, err = webpFrameSize(id, payload[:n]); err != nil {
				return bad(err.Error())
			}
			if canvasW != 0 && (w != canvasW || h != canvasH) {
				return bad(fmt.Sprintf("VP8X canvas %d×%d differs from its image's %d×%d", canvasW, canvasH, w, h))
			}
			return w, h, nil
		case "VP8X":
			// Flags (1 byte), reserved (3), canvas width-1 (24 bits), height-1 (24 bits).
			var p [10]byte
			if i != 0 || size < int64(len(p)) {
				return bad("misplaced or truncated VP8X chunk")
			}
			if _, err := io.ReadFull(r, p[:]); err != nil {
				return bad("truncated VP8X chunk")
			}
			if p[0]&0x02 != 0 {
				return 0, 0, &InputError{Msg: "animated WebP covers are not supported"}
			}
			canvasW = int(uint32(p[4])|uint32(p[5])<<8|uint32(p[6])<<16) + 1
			canvasH = int(uint32(p[7])|uint32(p[8])<<8|uint32(p[9])<<16) + 1
			size -= int64(len(p))
		case "ANIM", "ANMF":
			return 0, 0, &InputError{Msg: "animated WebP covers are not supported"}
		}
		// Skip the rest of the chunk (ICCP, ALPH, EXIF, XMP and unknown
		// chunks whole) and its padding byte.
		if n, err := io.CopyN(io.Discard, r, size+size&1); err != nil {
			return bad(fmt.Sprintf("chunk %q truncated after %d bytes", id, n))
		}
	}
	return bad(fmt.Sprintf("no image in the first %d chunks", maxWebpChunks))
}

// maxWebpChunks bounds how many chunks webpSize walks to find the image.
const maxWebpChunks = 64

// webpFrameSize reads the frame size from the start of a VP8 or VP8L
// chunk's payload.
func webpFrameSize(id string, p []byte) (w, h int, err error) {
	if id == "VP8 " {
		// Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
		if len(p) < 10 || !bytes.Equal(p[3:6], []byte{0x9d, 0x01, 0x2a}) {
			return 0, 0, errors.New("bad VP8 start code")
		}
		w = int(binary.LittleEndian.Uint16(p[6:8]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(p[8:10]) & 0x3fff)
		return w, h, nil
	}
	// Signature 0x2f, then 14 bits width-1 and 14 bits height-1.
	if len(p) < 5 || p[0] != 0x2f {
		return 0, 0, errors.New("bad VP8L signature")
	}
	bits := binary.LittleEndian.Uint32(p[1:5])
	return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
}
