package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"strings"
	"testing"
)

// pngOf encodes a w×h PNG of random-ish pixels (noise, so that it does not
// compress away).
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	seed := uint32(1)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPNG is a valid PNG header declaring w×h pixels followed by an IDAT
// of a few bytes: what a decompression bomb looks like before inflating.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString(pngSignature)
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestDecodeLogo(t *testing.T) {
	t.Parallel()
	good := pngOf(t, 40, 20)
	img, err := DecodeLogo(good)
	if err != nil || img.Bounds().Dx() != 40 || img.Bounds().Dy() != 20 {
		t.Fatalf("DecodeLogo(40×20 PNG) = %v, %v", img, err)
	}
	var jpegish bytes.Buffer
	jpegish.WriteString("\xff\xd8\xff\xe0 not a png")
	big := pngOf(t, 600, 600) // ~1.4 MB of noise
	if len(big) <= 1<<20 {
		t.Fatalf("test file is %d bytes, want over 1 MiB", len(big))
	}
	for _, tt := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"not a PNG", jpegish.Bytes(), "not a PNG"},
		{"1025 px wide", pngOf(t, 1025, 2), "1025×2 pixels; the limit is 1024"},
		{"1025 px high", pngOf(t, 2, 1025), "2×1025 pixels"},
		{"over 1 MiB", big, "the limit is 1048576"},
		{"truncated", good[:len(good)/2], "cut short or damaged"},
		{"header only", good[:20], "header is damaged"},
		{"bomb header", bombPNG(100000, 100000), "100000×100000 pixels"},
		{"bomb within the side", bombPNG(1024, 1024), "cut short or damaged"},
		{"no pixels", bombPNG(0, 10), "not a valid PNG"},
	} {
		_, err := DecodeLogo(tt.b)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, tt.want) {
			t.Errorf("%s: DecodeLogo = %v; want an *InputError containing %q", tt.name, err, tt.want)
		}
	}
}

func FuzzDecodeLogo(f *testing.F) {
	f.Add(pngOf(f, 3, 2))
	f.Add(bombPNG(1024, 1024))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := DecodeLogo(b)
		if err == nil && (img.Bounds().Dx() > 1024 || img.Bounds().Dy() > 1024) {
			t.Errorf("DecodeLogo passed a %v picture", img.Bounds())
		}
	})
}
