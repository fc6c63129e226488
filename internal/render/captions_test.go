package render

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestEmbedCaptions: with EmbedCaptions and lyrics, the MP4 has a mov_text
// subtitle track that ffmpeg reads back as the lyrics' lines at their
// times, the last cut at the video's end (4 s: MakeAudio's 3 s tone and
// 1 s of noise; the line alone would be held 6 s); without lyrics, or
// without EmbedCaptions, it has none.
func TestEmbedCaptions(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := rendertest.MakeAudio(t, dir, "song.wav", 3)
	l, err := lyrics.ParseLRC([]byte("[00:00.50]<00:00.50>Hello <00:01.00>there\n[00:01.80]Second line\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		embed  bool
		lyrics *lyrics.Lyrics
		want   string // the subtitle track as SubRip, "" for no track
	}{
		{"embedded", true, &l, "1\n00:00:00,500 --> 00:00:01,800\nHello there\n\n2\n00:00:01,800 --> 00:00:04,000\nSecond line\n\n"},
		{"not asked", false, &l, ""},
		{"no lyrics", true, nil, ""},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".mp4")
		r := Renderer{TempDir: t.TempDir(), Threads: 1}
		if _, err := r.Render(context.Background(), Input{Audio: audio, Out: out, Lyrics: tt.lyrics, EmbedCaptions: tt.embed}); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		codecs, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", out).Output()
		if err != nil {
			t.Fatal(err)
		}
		hasTrack := strings.Contains(string(codecs), "mov_text")
		if hasTrack != (tt.want != "") {
			t.Errorf("%s: streams %q, want a mov_text track: %v", tt.name, strings.Fields(string(codecs)), tt.want != "")
		}
		if !hasTrack {
			continue
		}
		srt, err := exec.Command("ffmpeg", "-v", "error", "-i", out, "-map", "0:s:0", "-f", "srt", "-").Output()
		if err != nil || strings.ReplaceAll(string(srt), "\r", "") != tt.want {
			t.Errorf("%s: the subtitle track reads %q (%v), want %q", tt.name, srt, err, tt.want)
		}
	}
}
