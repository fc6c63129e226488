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
	"math"
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

// SongPart is one section of a Song: its chords (each a list of
// frequencies in Hz, played one after another for Beat seconds each, in a
// loop) and how loud and bright it is.
type SongPart struct {
	Name    string
	Seconds float64
	Chords  [][]float64
	Beat    float64 // seconds a chord; 2 when 0
	Gain    float64 // the chords' amplitude
	Bright  bool    // sawtooth-like partials instead of pure sines
}

// Chord returns the frequencies of a triad on root (Hz): major, or minor
// when minor is set.
func Chord(root float64, minor bool) []float64 {
	third := 4.0
	if minor {
		third = 3
	}
	return []float64{root, root * math.Pow(2, third/12), root * math.Pow(2, 7.0/12)}
}

// PopSong is the test song of the hook finder: intro (8 s, one quiet
// chord), verse (16 s, A minor F C G, quiet), chorus (16 s, F G E minor
// A minor, twice as loud and bright), verse, chorus, outro (8 s); the
// first chorus starts at 24 s. A kick drum runs through all of it.
func PopSong() []SongPart {
	a, c, e, f, g := 220.0, 261.63, 164.81, 174.61, 196.0
	verse := [][]float64{Chord(a, true), Chord(f, false), Chord(c, false), Chord(g, false)}
	chorus := [][]float64{Chord(f, false), Chord(g, false), Chord(e, true), Chord(a, true)}
	return []SongPart{
		{Name: "intro", Seconds: 8, Chords: [][]float64{{110, 164.81}}, Beat: 8, Gain: 0.05},
		{Name: "verse", Seconds: 16, Chords: verse, Gain: 0.08},
		{Name: "chorus", Seconds: 16, Chords: chorus, Gain: 0.2, Bright: true},
		{Name: "verse", Seconds: 16, Chords: verse, Gain: 0.08},
		{Name: "chorus", Seconds: 16, Chords: chorus, Gain: 0.2, Bright: true},
		{Name: "outro", Seconds: 8, Chords: [][]float64{Chord(a, true)}, Beat: 8, Gain: 0.05},
	}
}

// Song returns the parts as mono samples at rate a second: the chords of
// each part and a kick drum twice a second under all of them.
func Song(parts []SongPart, rate int) []float32 {
	var out []float32
	t0 := 0.0
	for _, p := range parts {
		beat := p.Beat
		if beat == 0 {
			beat = 2
		}
		n := int(p.Seconds * float64(rate))
		for i := range n {
			t := float64(i) / float64(rate)
			chord := p.Chords[int(t/beat)%len(p.Chords)]
			var v float64
			for _, hz := range chord {
				v += math.Sin(2 * math.Pi * hz * t)
				if p.Bright {
					for h := 2.0; h <= 5; h++ {
						v += math.Sin(2*math.Pi*hz*h*t) / h
					}
				}
			}
			v *= p.Gain / float64(len(chord))
			tt := t0 + t
			v += 0.15 * math.Sin(2*math.Pi*55*tt) * math.Exp(-12*math.Mod(tt, 0.5))
			out = append(out, float32(v))
		}
		t0 += p.Seconds
	}
	return out
}

// WriteWAV writes samples (mono, at rate) to path as 16-bit PCM WAV.
func WriteWAV(tb testing.TB, path string, samples []float32, rate int) {
	tb.Helper()
	le := binary.LittleEndian
	b := []byte("RIFF")
	b = le.AppendUint32(b, uint32(36+2*len(samples)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1) // PCM
	b = le.AppendUint16(b, 1) // mono
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(2*rate))
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(2*len(samples)))
	for _, s := range samples {
		b = le.AppendUint16(b, uint16(int16(math.Max(-1, math.Min(1, float64(s)))*32767)))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}
