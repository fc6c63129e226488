package render

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
)

// Cover limits: a cover larger than this is refused before anything decodes
// its pixels.
const (
	maxCoverPixels = 40_000_000
	maxCoverSide   = 12_000
)

// coverInfo is what the header of a cover image says about it.
type coverInfo struct {
	Format        string // "jpeg", "png" or "webp"
	Width, Height int
}

// demuxer is the ffmpeg demuxer that reads this cover's format.
func (c coverInfo) demuxer() string { return c.Format + "_pipe" }

// checkCover reads only the header of the image at path and refuses covers
// that are not JPEG, PNG or WebP, are animated, or are too large.
func checkCover(path string) (coverInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return coverInfo{}, &InputError{Msg: "cover image not found", Err: err}
		}
		return coverInfo{}, fmt.Errorf("opening cover: %w", err)
	}
	defer f.Close()
	c, err := readCoverHeader(bufio.NewReader(f))
	if err != nil {
		return coverInfo{}, err
	}
	if c.Width <= 0 || c.Height <= 0 {
		return coverInfo{}, &InputError{Msg: "cover image has no pixels"}
	}
	if c.Width > maxCoverSide || c.Height > maxCoverSide ||
		int64(c.Width)*int64(c.Height) > maxCoverPixels {
		return coverInfo{}, &InputError{Msg: fmt.Sprintf(
			"cover image is %d×%d pixels; the limit is %d pixels a side and %d megapixels",
			c.Width, c.Height, maxCoverSide, maxCoverPixels/1_000_000)}
	}
	return c, nil
}

// readCoverHeader sniffs the format and dimensions of an image.
func readCoverHeader(r *bufio.Reader) (coverInfo, error) {
	const notImage = "cover is not a JPEG, PNG or WebP image"
	head, _ := r.Peek(12)
	if len(head) == 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		w, h, err := webpSize(r)
		if err != nil {
			return coverInfo{}, err
		}
		return coverInfo{Format: "webp", Width: w, Height: h}, nil
	}
	cfg, format, err := image.DecodeConfig(r)
	if err != nil || (format != "jpeg" && format != "png") {
		return coverInfo{}, &InputError{Msg: notImage, Err: err}
	}
	return coverInfo{Format: format, Width: cfg.Width, Height: cfg.Height}, nil
}

// webpSize reads the canvas size from a WebP file's RIFF header: the first
// chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended, which may be
// animated; ffmpeg cannot decode animated WebP, so those are refused).
func webpSize(r io.Reader) (w, h int, err error) {
	bad := func(why string) (int, int, error) {
		return 0, 0, &InputError{Msg: "cover is not a valid WebP image", Err: errors.New(why)}
	}
	var hdr [30]byte // RIFF(12) + chunk header(8) + up to 10 bytes of payload
	n, err := io.ReadFull(r, hdr[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return bad(err.Error())
	}
	if n < 12+8+5 {
		return bad("truncated header")
	}
	chunk, payload := string(hdr[12:16]), hdr[20:n]
	switch chunk {
	case "VP8 ":
		// Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
		if len(payload) < 10 || !bytes.Equal(payload[3:6], []byte{0x9d, 0x01, 0x2a}) {
			return bad("bad VP8 start code")
		}
		w = int(binary.LittleEndian.Uint16(payload[6:8]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(payload[8:10]) & 0x3fff)
	case "VP8L":
		// Signature 0x2f, then 14 bits width-1 and 14 bits height-1.
		if payload[0] != 0x2f {
			return bad("bad VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(payload[1:5])
		w = int(bits&0x3fff) + 1
		h = int(bits>>14&0x3fff) + 1
	case "VP8X":
		// Flags (1 byte), reserved (3), canvas width-1 (24 bits), height-1 (24 bits).
		if len(payload) < 10 {
			return bad("truncated VP8X chunk")
		}
		if payload[0]&0x02 != 0 {
			return 0, 0, &InputError{Msg: "animated WebP covers are not supported"}
		}
		w = int(uint32(payload[4])|uint32(payload[5])<<8|uint32(payload[6])<<16) + 1
		h = int(uint32(payload[7])|uint32(payload[8])<<8|uint32(payload[9])<<16) + 1
	default:
		return bad("unknown first chunk " + fmt.Sprintf("%q", chunk))
	}
	return w, h, nil
}
