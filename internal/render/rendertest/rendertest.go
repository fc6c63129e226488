// Package rendertest makes what the renderer's tests render: tracks of
// tones and of music-like sound, covers, hostile cover headers and synced
// lyrics, all with the real ffmpeg. Tests that need ffmpeg call
// RequireFFmpeg first.
package rendertest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
)

// RequireFFmpeg skips the test when ffmpeg or ffprobe is not installed,
// and fails it under CI, which must run every test (make deps installs
// them).
func RequireFFmpeg(tb testing.TB) {
	tb.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s is not installed; CI must run the render tests (make deps installs it)", bin)
			}
			tb.Skipf("%s not installed (make deps installs it)", bin)
		}
	}
}

// FFmpeg runs ffmpeg with args and fails the test on error.
func FFmpeg(tb testing.TB, args ...string) {
	tb.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// MakeAudio writes a track of tone seconds of a 440 Hz sine followed by one
// second of quiet pink noise (not digital silence, which AAC would encode in
// far fewer bits than asked for), in the format the name's extension
// implies (.mp3, .wav or .flac), and returns its path.
func MakeAudio(tb testing.TB, dir, name string, tone float64) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	var codec []string
	switch filepath.Ext(name) {
	case ".mp3":
		codec = []string{"-c:a", "libmp3lame", "-b:a", "128k"}
	case ".wav":
		codec = []string{"-c:a", "pcm_s16le"}
	case ".flac":
		codec = []string{"-c:a", "flac"}
	default:
		tb.Fatalf("MakeAudio: unknown extension %q", name)
	}
	args := []string{
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=44100:duration=%g", tone),
		"-f", "lavfi", "-i", "anoisesrc=sample_rate=44100:color=pink:amplitude=0.05:duration=1",
		"-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1,aformat=channel_layouts=stereo[a]",
		"-map", "[a]",
	}
	FFmpeg(tb, append(append(args, codec...), path)...)
	return path
}

// MakeMusic writes seconds of music-like sound: a kick drum twice a second,
// a bass line of tones changing every second, a high tone swelling and
// pink noise chopped four times a second, mixed to stereo. The format
// follows the name's extension; extra are more of ffmpeg's output options.
func MakeMusic(tb testing.TB, path string, seconds float64, extra ...string) {
	tb.Helper()
	args := []string{
		"-f", "lavfi", "-i", fmt.Sprintf("aevalsrc='0.55*sin(2*PI*55*t)*exp(-10*mod(t,0.5))"+
			"+0.12*sin(2*PI*(220+55*floor(mod(t,4)))*t)+0.08*sin(2*PI*1320*t)*(0.5+0.5*sin(2*PI*0.25*t))'"+
			":s=44100:d=%g", seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=c=pink:a=0.25:d=%g:r=44100,tremolo=f=4:d=0.9", seconds),
		"-filter_complex", "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo[a]",
		"-map", "[a]",
	}
	FFmpeg(tb, append(append(args, extra...), path)...)
}

// MakePNG writes a w×h PNG with a gradient (red growing to the right,
// green growing downwards, blue 160) to dir/cover.png and returns its path.
func MakePNG(tb testing.TB, dir string, w, h int) string {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "cover.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// OversizePNG returns the start of a PNG whose IHDR claims w×h pixels; it
// has no pixel data at all.
func OversizePNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, "IHDR"...)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
}

// Lyrics returns synced lyrics for seconds of music: a line every three
// seconds, each word timed, every fourth line mixing scripts.
func Lyrics(tb testing.TB, seconds int) lyrics.Lyrics {
	tb.Helper()
	var lrc strings.Builder
	words := []string{"city", "lights", "are", "calling", "me", "home", "tonight", "أغنية", "夜の", "ドライブ"}
	for t, n := 2, 0; t+3 < seconds; t, n = t+3, n+1 {
		fmt.Fprintf(&lrc, "[%02d:%02d.00]", t/60, t%60)
		for w := range 6 {
			word := words[(n+w)%7]
			if n%4 == 3 && w%2 == 1 {
				word = words[7+w%3]
			}
			ms := t*1000 + w*400
			fmt.Fprintf(&lrc, "<%02d:%02d.%02d>%s ", ms/60000, ms/1000%60, ms%1000/10, word)
		}
		lrc.WriteString("\n")
	}
	ly, err := lyrics.ParseLRC([]byte(lrc.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return ly
}

// GrayFrames decodes the video at path (w×h) to its frames' luma planes.
func GrayFrames(tb testing.TB, path string, w, h int) [][]byte {
	tb.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1").Output()
	if err != nil {
		tb.Fatalf("decoding %s: %v", path, err)
	}
	var frames [][]byte
	for len(out) >= w*h {
		frames = append(frames, out[:w*h])
		out = out[w*h:]
	}
	return frames
}

// LyingMP3 writes an MP3 (dir/lying.mp3) of tone seconds whose Xing/Info header says it
// holds only frames frames, so ffprobe reports a far shorter duration than
// the file decodes to.
func LyingMP3(tb testing.TB, dir string, tone float64, frames uint32) string {
	tb.Helper()
	path := filepath.Join(dir, "lying.mp3")
	FFmpeg(tb, "-f", "lavfi", "-i", "sine=frequency=440:duration="+strconv.FormatFloat(tone, 'f', -1, 64),
		"-c:a", "libmp3lame", "-b:a", "128k", path)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	i := bytes.Index(data, []byte("Info"))
	if i < 0 {
		i = bytes.Index(data, []byte("Xing"))
	}
	if i < 0 || binary.BigEndian.Uint32(data[i+4:])&1 == 0 {
		tb.Fatal("the MP3 has no Xing/Info frame count to patch")
	}
	binary.BigEndian.PutUint32(data[i+8:], frames)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
