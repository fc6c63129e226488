package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// riff wraps one WebP chunk in a RIFF header.
func riff(chunk string, payload []byte) []byte {
	return webpFile(webpChunk(chunk, payload))
}

// webpFile puts chunks (from webpChunk) in a RIFF WEBP container.
func webpFile(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body)))
	return append(b, body...)
}

// webpChunk returns a chunk with its header and padding byte.
func webpChunk(id string, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32([]byte(id), uint32(len(payload)))
	b = append(b, payload...)
	if len(payload)%2 == 1 {
		b = append(b, 0)
	}
	return b
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
		want    Cover
		wantErr string // substring of the InputError's message; "" for success
	}{
		{"jpeg", jpg.Bytes(), Cover{"jpeg", 30, 20}, ""},
		{"png header only", rendertest.OversizePNG(300, 200), Cover{"png", 300, 200}, ""},
		{"webp lossy", riff("VP8 ", vp8(640, 480)), Cover{"webp", 640, 480}, ""},
		{"webp lossless", riff("VP8L", vp8l(1000, 16384)), Cover{"webp", 1000, 16384}, ""},
		{"webp extended", webpFile(webpChunk("VP8X", vp8x(0x10, 12345, 67)), webpChunk("VP8L", vp8l(12345, 67))),
			Cover{"webp", 12345, 67}, ""},
		{"webp extended with ICC, alpha and EXIF", webpFile(webpChunk("VP8X", vp8x(0x38, 640, 480)),
			webpChunk("ICCP", make([]byte, 333)), webpChunk("ALPH", make([]byte, 7)), webpChunk("VP8 ", vp8(640, 480)),
			webpChunk("EXIF", make([]byte, 20))), Cover{"webp", 640, 480}, ""},
		{"webp extended, canvas smaller than its image", webpFile(webpChunk("VP8X", vp8x(0, 100, 100)),
			webpChunk("VP8L", vp8l(6400, 6400))), Cover{}, "not a valid WebP"},
		{"webp extended, canvas larger than its image", webpFile(webpChunk("VP8X", vp8x(0, 6400, 6400)),
			webpChunk("VP8 ", vp8(100, 100))), Cover{}, "not a valid WebP"},
		{"webp extended without an image", riff("VP8X", vp8x(0x10, 100, 100)), Cover{}, "not a valid WebP"},
		{"webp extended, image past the RIFF size", func() []byte {
			b := webpFile(webpChunk("VP8X", vp8x(0, 100, 100)))
			return append(b, webpChunk("VP8L", vp8l(100, 100))...)
		}(), Cover{}, "not a valid WebP"},
		{"webp extended, chunk longer than the file", webpFile(webpChunk("VP8X", vp8x(0, 100, 100)),
			webpChunk("ICCP", make([]byte, 4))[:10]), Cover{}, "not a valid WebP"},
		{"webp two VP8X", webpFile(webpChunk("VP8X", vp8x(0, 100, 100)), webpChunk("VP8X", vp8x(0, 100, 100)),
			webpChunk("VP8L", vp8l(100, 100))), Cover{}, "not a valid WebP"},
		{"webp animated", riff("VP8X", vp8x(0x02, 100, 100)), Cover{}, "animated"},
		{"webp animation frame without the flag", webpFile(webpChunk("VP8X", vp8x(0, 100, 100)),
			webpChunk("ANMF", make([]byte, 16)), webpChunk("VP8L", vp8l(100, 100))), Cover{}, "animated"},
		{"webp bad start code", riff("VP8 ", []byte{0, 0, 0, 1, 2, 3, 0, 0, 0, 0}), Cover{}, "not a valid WebP"},
		{"webp truncated", riff("VP8 ", nil)[:22], Cover{}, "not a valid WebP"},
		{"webp unknown chunk", riff("ALPH", make([]byte, 10)), Cover{}, "not a valid WebP"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), Cover{}, "not a JPEG, PNG or WebP"},
		{"text", []byte("hello"), Cover{}, "not a JPEG, PNG or WebP"},
		{"empty", nil, Cover{}, "not a JPEG, PNG or WebP"},
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
		{"at the side limit", rendertest.OversizePNG(12000, 3000), true},
		{"over the side limit", rendertest.OversizePNG(12001, 10), false},
		{"over the pixel limit", rendertest.OversizePNG(8000, 5001), false},
		{"20000 square", rendertest.OversizePNG(20000, 20000), false},
		{"zero width", rendertest.OversizePNG(0, 10), false},
		{"webp over the side limit", webpFile(webpChunk("VP8X", vp8x(0, 16000, 100)), webpChunk("VP8L", vp8l(16000, 100))), false},
		{"webp lossless over the pixel limit", riff("VP8L", vp8l(7000, 7000)), false},
		{"webp lossless at the pixel limit", riff("VP8L", vp8l(8000, 5000)), true},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := CheckCover(path)
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
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	for _, lossless := range []string{"0", "1"} {
		path := filepath.Join(dir, "c"+lossless+".webp")
		rendertest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=334x222", "-frames:v", "1",
			"-c:v", "libwebp", "-lossless", lossless, path)
		got, err := CheckCover(path)
		if want := (Cover{"webp", 334, 222}); err != nil || got != want {
			t.Errorf("lossless=%s: got %+v, %v, want %+v", lossless, got, err, want)
		}
	}
}

func FuzzReadCoverHeader(f *testing.F) {
	f.Add(riff("VP8 ", vp8(1, 1)))
	f.Add(riff("VP8L", vp8l(1, 1)))
	f.Add(riff("VP8X", vp8x(0, 1, 1)))
	f.Add(webpFile(webpChunk("VP8X", vp8x(0, 1, 1)), webpChunk("ALPH", []byte{1}), webpChunk("VP8L", vp8l(1, 1))))
	f.Add(webpBomb(6400))
	f.Add(rendertest.OversizePNG(1, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := readCoverHeader(bufio.NewReader(bytes.NewReader(data)))
		if err == nil && (c.Width < 0 || c.Height < 0 || c.Format == "") {
			t.Errorf("got %+v with no error", c)
		}
	})
}

// bitWriter writes a VP8L bitstream: values least significant bit first.
type bitWriter struct {
	b []byte
	n uint
}

func (w *bitWriter) put(v uint32, bits uint) {
	for i := range bits {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
}

// vp8lSolid returns a complete VP8L bitstream of a w×h picture of
// transparent black: no transforms and five prefix codes of one symbol
// each, so every pixel takes zero bits and the stream is 9 bytes whatever
// the size.
func vp8lSolid(w, h uint32) []byte {
	var bw bitWriter
	bw.put(0x2f, 8) // signature
	bw.put(w-1, 14)
	bw.put(h-1, 14)
	bw.put(0, 1)  // alpha_is_used
	bw.put(0, 3)  // version
	bw.put(0, 1)  // no transform
	bw.put(0, 1)  // no colour cache
	bw.put(0, 1)  // no meta prefix codes
	for range 5 { // green, red, blue, alpha, distance
		bw.put(1, 1) // simple code
		bw.put(0, 1) // one symbol
		bw.put(0, 1) // of 1 bit
		bw.put(0, 1) // symbol 0
	}
	return bw.b
}

// webpBomb returns the cover bomb of issue 11: an extended WebP whose VP8X
// canvas says 100×100 and whose lossless image is side×side, padded to the
// 54 bytes of the file the review used.
func webpBomb(side uint32) []byte {
	return webpFile(webpChunk("VP8X", vp8x(0, 100, 100)), webpChunk("VP8L", append(vp8lSolid(side, side), 0, 0, 0, 0, 0, 0, 0)))
}

// TestWebpBomb checks that the 54-byte WebP that ffmpeg decodes at
// 6400×6400 (41 megapixels) although its canvas says 100×100 is refused
// before ffmpeg sees it, and that ffmpeg refuses it too, with the arguments
// covers are decoded with (InputArgs), should a cover reach it.
func TestWebpBomb(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.webp")
	data := webpBomb(6400)
	if len(data) != 54 {
		t.Fatalf("the bomb is %d bytes, want 54", len(data))
	}
	if err := os.WriteFile(bomb, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-f", "webp_pipe", "-show_entries", "stream=width,height",
		"-of", "csv=p=0", bomb).Output()
	if got := strings.TrimSpace(string(out)); err != nil || got != "6400,6400" {
		t.Fatalf("ffprobe says %q, %v; want 6400,6400 (the test file is not the bomb)", got, err)
	}
	if _, err := CheckCover(bomb); !isInputError(err, "not a valid WebP") {
		t.Errorf("CheckCover: got %v, want an *InputError saying the WebP is not valid", err)
	}

	// The backstop: the cover input every step reads covers with (the
	// static step's), decoded into nothing.
	args := append([]string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"},
		Cover{Format: "webp"}.InputArgs(bomb)...)
	args = append(args, "-frames:v", "1", "-f", "null", "-")
	out, err = exec.Command("ffmpeg", args...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "exceeds specified max pixel count") {
		t.Errorf("ffmpeg %q: got %v, %s; want it to refuse the picture's size", args, err, out)
	}
}
