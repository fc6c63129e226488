package render

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// riff wraps one WebP chunk in a RIFF header.
func riff(chunk string, payload []byte) []byte {
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(4+8+len(payload)))
	b = append(b, "WEBP"+chunk...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func vp8(w, h uint16) []byte {
	p := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	p = binary.LittleEndian.AppendUint16(p, w)
	return append(binary.LittleEndian.AppendUint16(p, h), 0, 0)
}

func vp8l(w, h uint32) []byte {
	p := []byte{0x2f}
	return append(binary.LittleEndian.AppendUint32(p, (w-1)|(h-1)<<14), 0, 0, 0, 0, 0)
}

func vp8x(flags byte, w, h uint32) []byte {
	p := []byte{flags, 0, 0, 0}
	w, h = w-1, h-1
	return append(p, byte(w), byte(w>>8), byte(w>>16), byte(h), byte(h>>8), byte(h>>16))
}

func TestReadCoverHeader(t *testing.T) {
	t.Parallel()
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		want    coverInfo
		wantErr string // substring of the InputError's message; "" for success
	}{
		{"jpeg", jpg.Bytes(), coverInfo{"jpeg", 30, 20}, ""},
		{"png header only", oversizePNG(300, 200), coverInfo{"png", 300, 200}, ""},
		{"webp lossy", riff("VP8 ", vp8(640, 480)), coverInfo{"webp", 640, 480}, ""},
		{"webp lossless", riff("VP8L", vp8l(1000, 16384)), coverInfo{"webp", 1000, 16384}, ""},
		{"webp extended", riff("VP8X", vp8x(0x10, 12345, 67)), coverInfo{"webp", 12345, 67}, ""},
		{"webp animated", riff("VP8X", vp8x(0x02, 100, 100)), coverInfo{}, "animated"},
		{"webp bad start code", riff("VP8 ", []byte{0, 0, 0, 1, 2, 3, 0, 0, 0, 0}), coverInfo{}, "not a valid WebP"},
		{"webp truncated", riff("VP8 ", nil)[:22], coverInfo{}, "not a valid WebP"},
		{"webp unknown chunk", riff("ALPH", make([]byte, 10)), coverInfo{}, "not a valid WebP"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), coverInfo{}, "not a JPEG, PNG or WebP"},
		{"text", []byte("hello"), coverInfo{}, "not a JPEG, PNG or WebP"},
		{"empty", nil, coverInfo{}, "not a JPEG, PNG or WebP"},
	}
	for _, tt := range tests {
		got, err := readCoverHeader(bufio.NewReader(bytes.NewReader(tt.data)))
		if tt.wantErr != "" {
			if !isInputError(err, tt.wantErr) {
				t.Errorf("%s: got error %v, want an *InputError containing %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v, want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestCheckCoverLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		data   []byte
		wantOK bool
	}{
		{"at the side limit", oversizePNG(12000, 3000), true},
		{"over the side limit", oversizePNG(12001, 10), false},
		{"over the pixel limit", oversizePNG(8000, 5001), false},
		{"20000 square", oversizePNG(20000, 20000), false},
		{"zero width", oversizePNG(0, 10), false},
		{"webp over the side limit", riff("VP8X", vp8x(0, 16000, 100)), false},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := checkCover(path)
		var ie *InputError
		switch {
		case tt.wantOK && err != nil:
			t.Errorf("%s: got %v, want no error", tt.name, err)
		case !tt.wantOK && !errors.As(err, &ie):
			t.Errorf("%s: got %v, want an *InputError", tt.name, err)
		}
	}
}

// TestWebpSizeFFmpeg checks the WebP header reader against files that
// libwebp wrote, lossy and lossless.
func TestWebpSizeFFmpeg(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	for _, lossless := range []string{"0", "1"} {
		path := filepath.Join(dir, "c"+lossless+".webp")
		ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=334x222", "-frames:v", "1",
			"-c:v", "libwebp", "-lossless", lossless, path)
		got, err := checkCover(path)
		if want := (coverInfo{"webp", 334, 222}); err != nil || got != want {
			t.Errorf("lossless=%s: got %+v, %v, want %+v", lossless, got, err, want)
		}
	}
}

func FuzzReadCoverHeader(f *testing.F) {
	f.Add(riff("VP8 ", vp8(1, 1)))
	f.Add(riff("VP8L", vp8l(1, 1)))
	f.Add(riff("VP8X", vp8x(0, 1, 1)))
	f.Add(oversizePNG(1, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := readCoverHeader(bufio.NewReader(bytes.NewReader(data)))
		if err == nil && (c.Width < 0 || c.Height < 0 || c.Format == "") {
			t.Errorf("got %+v with no error", c)
		}
	})
}
