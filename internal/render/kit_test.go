package render

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/source"
)

// TestRenderKit renders a 20 s song with lyrics and section markers as a
// kit: the whole song at 16:9 and 9:16, a clip from 6.5 s for 8 s at 4:5
// and an automatic 8 s clip at 1:1, which starts at the lyrics' first
// [Chorus] (11 s). It checks each video's size and duration, the clips'
// fades (black first and last frames, silent ends), the clip's captions
// timed from its start, and the progress.
func TestRenderKit(t *testing.T) {
	t.Parallel()
	rendertest.RequireFFmpeg(t)
	dir := t.TempDir()
	audio := filepath.Join(dir, "song.mp3")
	rendertest.MakeMusic(t, audio, 20, "-b:a", "128k")
	ly := rendertest.Lyrics(t, 20) // lines at 2, 5, 8, 11, 14 s
	ly.Sections = []lyrics.Section{{Start: 0, Name: "Intro"}, {Start: 5 * time.Second, Name: "Verse 1"},
		{Start: 11 * time.Second, Name: "Chorus"}}
	var fractions []float64
	in := Input{Audio: audio, Title: "Kit", Author: "mvgen", Lyrics: &ly, EmbedCaptions: true,
		Out: filepath.Join(dir, "whole.mp4"), Poster: filepath.Join(dir, "whole.jpg"),
		Progress: func(f float64) { fractions = append(fractions, f) }}
	kit := []Rendition{
		{Aspect: mvgen.Portrait, Out: filepath.Join(dir, "portrait.mp4")},
		{Aspect: mvgen.Feed, Clip: &Clip{Start: 6500 * time.Millisecond, Duration: 8 * time.Second},
			Out: filepath.Join(dir, "clip.mp4"), Poster: filepath.Join(dir, "clip.jpg")},
		{Aspect: mvgen.Square, Clip: &Clip{Auto: true, Duration: 8 * time.Second}, Out: filepath.Join(dir, "auto.mp4")},
	}
	r := &Renderer{TempDir: t.TempDir()}
	info, videos, err := r.RenderKit(context.Background(), in, kit)
	if err != nil {
		t.Fatal(err)
	}
	want := []Video{
		{Aspect: mvgen.Landscape, Resolution: mvgen.HD, Width: 1280, Height: 720, Duration: info.Duration},
		{Aspect: mvgen.Portrait, Resolution: mvgen.HD, Width: 720, Height: 1280, Duration: info.Duration},
		{Aspect: mvgen.Feed, Resolution: mvgen.HD, Width: 1080, Height: 1350, Start: 6500 * time.Millisecond, Duration: 8 * time.Second},
		{Aspect: mvgen.Square, Resolution: mvgen.HD, Width: 1080, Height: 1080, Start: 11 * time.Second, Duration: 8 * time.Second},
	}
	if len(videos) != len(want) {
		t.Fatalf("got %d videos, want %d", len(videos), len(want))
	}
	outs := []string{in.Out, kit[0].Out, kit[1].Out, kit[2].Out}
	for i, v := range videos {
		if v != want[i] {
			t.Errorf("video %d = %+v, want %+v", i, v, want[i])
		}
		p := ffprobe(t, outs[i])
		if d := p.duration(t) - want[i].Duration.Seconds(); math.Abs(d) > 1.0/30+0.05 {
			t.Errorf("video %d lasts %.3f s, want %.3f s", i, p.duration(t), want[i].Duration.Seconds())
		}
		for _, s := range p.Streams {
			if s.CodecType == "video" && (s.Width != want[i].Width || s.Height != want[i].Height) {
				t.Errorf("video %d is %d×%d, want %d×%d", i, s.Width, s.Height, want[i].Width, want[i].Height)
			}
			if s.CodecType == "audio" && i >= 2 && s.CodecName != "aac" {
				t.Errorf("clip %d's audio is %s, want aac (faded)", i, s.CodecName)
			}
		}
	}
	for _, path := range []string{in.Poster, kit[1].Poster} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("poster: %v", err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// The clips fade from and to black, and from and to silence.
	for _, c := range []struct {
		path string
		w, h int
	}{{kit[1].Out, 1080, 1350}, {kit[2].Out, 1080, 1080}} {
		frames := rendertest.GrayFrames(t, c.path, c.w, c.h)
		if len(frames) != 240 {
			t.Errorf("%s has %d frames, want 240", c.path, len(frames))
		}
		for _, i := range []int{0, len(frames) - 1} {
			if m := meanOf(frames[i]); m > 30 {
				t.Errorf("%s frame %d: mean luma %.1f, want near black", c.path, i, m)
			}
		}
		if m := meanOf(frames[len(frames)/2]); m < 35 {
			t.Errorf("%s middle frame: mean luma %.1f, want a picture", c.path, m)
		}
		pcm := decodeMono(t, c.path)
		ms := 8000 / 1000 * 20 // 20 ms at 8 kHz
		head, mid, tail := rmsOf(pcm[:ms]), rmsOf(pcm[len(pcm)/2:len(pcm)/2+ms*10]), rmsOf(pcm[len(pcm)-ms:])
		if head > mid/10 || tail > mid/10 {
			t.Errorf("%s: RMS %.4f at the start, %.4f at the end, %.4f in the middle: want silent ends", c.path, head, tail, mid)
		}
	}

	// The clip's captions start at its start: the line sung from 5 s,
	// which crosses 6.5 s, from 0.
	srt, err := exec.Command("ffmpeg", "-v", "error", "-i", kit[1].Out, "-map", "0:s:0", "-f", "srt", "-").Output()
	if err != nil {
		t.Fatalf("reading the clip's captions: %v", err)
	}
	if !strings.HasPrefix(string(srt), "1\n00:00:00,000 --> 00:00:01,500\n") {
		t.Errorf("the clip's captions start:\n%.80s\nwant the 5 s line from 0 to 1.5 s", srt)
	}

	for i := 1; i < len(fractions); i++ {
		if fractions[i] < fractions[i-1] {
			t.Fatalf("progress went back: %v", fractions)
		}
	}
	if len(fractions) == 0 || fractions[len(fractions)-1] != 1 {
		t.Errorf("progress ended at %v, want 1", fractions)
	}
}

// TestRenderKitFails: a kit whose last rendition cannot be written leaves
// nothing of the others, and its error names the rendition; two
// renditions writing one file are refused before anything is rendered.
func TestRenderKitFails(t *testing.T) {
	t.Parallel()
	rendertest.RequireFFmpeg(t)
	dir := t.TempDir()
	audio := rendertest.MakeAudio(t, dir, "tone.wav", 5)
	out := t.TempDir()
	in := Input{Audio: audio, Title: "Fails", Out: filepath.Join(out, "a.mp4"), Poster: filepath.Join(out, "a.jpg")}
	kit := []Rendition{
		{Aspect: mvgen.Portrait, Clip: &Clip{Start: time.Second, Duration: 5 * time.Second}, Out: filepath.Join(out, "b.mp4")},
		{Aspect: mvgen.Square, Out: filepath.Join(out, "missing", "c.mp4")},
	}
	r := &Renderer{TempDir: t.TempDir()}
	twice := []Rendition{kit[0], {Aspect: mvgen.Square, Out: kit[0].Out}}
	if _, _, err := r.RenderKit(context.Background(), in, twice); err == nil || !strings.Contains(err.Error(), "renditions 1 and 2") {
		t.Errorf("two renditions to one file: RenderKit = %v, want an error naming both", err)
	}
	_, _, err := r.RenderKit(context.Background(), in, kit)
	if err == nil || !strings.Contains(err.Error(), "rendition 2") {
		t.Fatalf("RenderKit = %v, want an error naming rendition 2", err)
	}
	if left, _ := os.ReadDir(out); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("a failed kit left %v", names)
	}
}

// TestClipAuto picks the start of automatic clips of the test pop song
// (rendertest.PopSong: its first chorus at 24 s) from its audio alone, and
// from its lyrics' section markers when they name a chorus.
func TestClipAuto(t *testing.T) {
	t.Parallel()
	rendertest.RequireFFmpeg(t)
	path := filepath.Join(t.TempDir(), "pop.wav")
	rendertest.WriteWAV(t, path, rendertest.Song(rendertest.PopSong(), 44100), 44100)
	r := &Renderer{}
	info, err := r.CheckSource(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := source.Decode(context.Background(), r.runner(), path, info.Duration, analysis.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	tape := source.Record(dec, 0)
	labelled := &lyrics.Lyrics{Sections: []lyrics.Section{{Start: 8 * time.Second, Name: "Verse 1"},
		{Start: 23700 * time.Millisecond, Name: "pre-chorus"}, {Start: 24100 * time.Millisecond, Name: "CHORUS 1"},
		{Start: 56 * time.Second, Name: "Chorus 2"}}}
	tests := []struct {
		name      string
		clip      time.Duration
		ly        *lyrics.Lyrics
		want      time.Duration
		fromAudio bool
	}{
		{"audio, 15 s", 15 * time.Second, nil, 24 * time.Second, true},
		{"audio, 30 s", 30 * time.Second, &lyrics.Lyrics{}, 24 * time.Second, true},
		{"labelled", 15 * time.Second, labelled, 24100 * time.Millisecond, false},
		{"labelled, moved to fit", 60 * time.Second, labelled, 20 * time.Second, false},
		{"longer than the song", 90 * time.Second, nil, 0, false},
	}
	for _, tt := range tests {
		j := job{info: info, fps: 30, length: info.Duration}
		if err := r.clip(&j, Clip{Auto: true, Duration: tt.clip}, tt.ly, tape); err != nil {
			t.Fatal(err)
		}
		d := j.start - tt.want
		if tt.fromAudio {
			t.Logf("%s: picked %v, the first chorus is at %v", tt.name, j.start, tt.want)
			if d < -2*time.Second || d > 2*time.Second {
				t.Errorf("%s: start %v, want %v ± 2 s", tt.name, j.start, tt.want)
			}
		} else if d != 0 {
			t.Errorf("%s: start %v, want %v", tt.name, j.start, tt.want)
		}
	}
}

// TestClipTo: a clip's lyrics and sections are timed from its start.
func TestClipTo(t *testing.T) {
	t.Parallel()
	s := func(sec float64) time.Duration { return time.Duration(sec * float64(time.Second)) }
	j := job{fps: 30, info: Info{Duration: s(60)}, length: s(60),
		lyrics: []lyrics.Line{{Start: s(2), End: s(9), Text: "before"}, {Start: s(9), End: s(12), Text: "across"},
			{Start: s(12), End: s(15), Text: "inside"}, {Start: s(20), End: s(24), Text: "across the end"},
			{Start: s(30), End: s(33), Text: "after"}},
		sections: []lyrics.Section{{Start: 0, Name: "Intro"}, {Start: s(8), Name: "Verse"}, {Start: s(12), Name: "Chorus"},
			{Start: s(30), Name: "Outro"}}}
	j.clipTo(s(10), s(12))
	var got []string
	for _, l := range j.lyrics {
		got = append(got, l.Text+" "+l.Start.String()+"-"+l.End.String())
	}
	if want := "across 0s-2s|inside 2s-5s|across the end 10s-12s"; strings.Join(got, "|") != want {
		t.Errorf("lyrics %q, want %q", strings.Join(got, "|"), want)
	}
	got = got[:0]
	for _, sec := range j.sections {
		got = append(got, sec.Name+" "+sec.Start.String())
	}
	if want := "Verse 0s|Chorus 2s"; strings.Join(got, "|") != want {
		t.Errorf("sections %q, want %q", strings.Join(got, "|"), want)
	}
	if j.frames != 360 || j.copyAudio {
		t.Errorf("frames %d, copy audio %v; want 360 and encoded audio", j.frames, j.copyAudio)
	}
}

func TestFirstChorus(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{"Chorus": true, "chorus 2": true, "HOOK": true, "Refrain #1": true,
		"drop x2": true, " Chorus ": true, "Pre-Chorus": false, "Post Chorus": false, "Verse": false, "Choruses": false} {
		_, got := FirstChorus([]lyrics.Section{{Name: name}})
		if got != want {
			t.Errorf("FirstChorus([%s]) = %v, want %v", name, got, want)
		}
	}
}

func meanOf(b []byte) float64 {
	var sum float64
	for _, v := range b {
		sum += float64(v)
	}
	return sum / float64(len(b))
}

// decodeMono decodes the audio of the file at path to mono float samples
// at 8 kHz.
func decodeMono(tb testing.TB, path string) []float32 {
	tb.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar", "8000",
		"-f", "f32le", "pipe:1").Output()
	if err != nil {
		tb.Fatalf("decoding the audio of %s: %v", path, err)
	}
	pcm := make([]float32, len(out)/4)
	for i := range pcm {
		pcm[i] = math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
	}
	return pcm
}

func rmsOf(s []float32) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}
