package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// TestRenderCaptions: mvgen render --aspect 4:5 --lyrics --captions writes
// the video and its lyrics as SRT, WebVTT and LRC beside it; the LRC reads
// back as the same lines.
func TestRenderCaptions(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := rendertest.MakeAudio(t, dir, "song.wav", 3)
	lrc := filepath.Join(dir, "song.lrc")
	const src = "[00:00.50]<00:00.50>Hello <00:01.00>there\n[00:01.80]Second line\n"
	if err := os.WriteFile(lrc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out", "video.mp4")
	os.Mkdir(filepath.Dir(out), 0o755)
	var stdout, stderr bytes.Buffer
	if err := renderCmd(context.Background(), []string{audio, "-o", out, "--aspect", "4:5", "--lyrics", lrc, "--captions"},
		&stdout, &stderr); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	want, _ := lyrics.ParseLRC([]byte(src))
	base := strings.TrimSuffix(out, ".mp4")
	srt, err := os.ReadFile(base + ".srt")
	if err != nil || !strings.HasPrefix(string(srt), "1\n00:00:00,500 --> 00:00:01,800\nHello there\n\n2\n00:00:01,800 --> ") {
		t.Errorf("video.srt: %v\n%s", err, srt)
	}
	if vtt, err := os.ReadFile(base + ".vtt"); err != nil || !strings.Contains(string(vtt), "00:00:00.500 --> 00:00:01.800\nHello <00:00:01.000>there") {
		t.Errorf("video.vtt: %v\n%s", err, vtt)
	}
	data, err := os.ReadFile(base + ".lrc")
	if err != nil {
		t.Fatal(err)
	}
	got, err := lyrics.ParseLRC(data)
	if err != nil || len(got.Lines) != len(want.Lines) || got.Lines[0].Text != "Hello there" || len(got.Lines[0].Words) != 2 {
		t.Errorf("video.lrc reads back as %+v (%v), want %+v", got.Lines, err, want.Lines)
	}
	if !strings.Contains(stdout.String(), "wrote "+base+".vtt") {
		t.Errorf("stdout %q does not name the caption files", stdout.String())
	}
}
