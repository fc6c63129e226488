package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
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

// TestRenderKit: mvgen render with several aspects and a clip renders them
// as one kit (RenderKit) into -o DIR/: each video at its size, with its
// poster and caption files, the clip's captions timed from its start.
func TestRenderKit(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := rendertest.MakeAudio(t, dir, "song.wav", 7)
	lrc := filepath.Join(dir, "song.lrc")
	if err := os.WriteFile(lrc, []byte("[00:00.50]First\n[00:03.00]Second\n[00:05.00]Third\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "kit") + "/"
	var stdout, stderr bytes.Buffer
	if err := renderCmd(context.Background(), []string{audio, "-o", out, "--aspect", "9:16,1:1", "--clip", "2:5", "--lyrics", lrc, "--theme", "lyric"},
		&stdout, &stderr); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	for _, v := range []struct {
		name      string
		w, h      int
		firstLine string
	}{{"song-9x16", 720, 1280, "[00:00.50]First"}, {"song-1x1", 1080, 1080, "[00:00.50]First"}, {"song-9x16-clip", 720, 1280, "[00:01.00]Second"}} {
		probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
			"-of", "csv=p=0", filepath.Join(out, v.name+".mp4")).Output()
		if want := fmt.Sprintf("%d,%d", v.w, v.h); err != nil || strings.TrimSpace(string(probe)) != want {
			t.Errorf("%s: %q (%v), want %s", v.name, probe, err, want)
		}
		for _, ext := range []string{".jpg", ".srt", ".vtt"} {
			if fi, err := os.Stat(filepath.Join(out, v.name+ext)); err != nil || fi.Size() == 0 {
				t.Errorf("%s%s: %v", v.name, ext, err)
			}
		}
		if got, err := os.ReadFile(filepath.Join(out, v.name+".lrc")); err != nil || !strings.Contains(string(got), v.firstLine) {
			t.Errorf("%s.lrc: %v\n%s\nwant a line %s", v.name, err, got, v.firstLine)
		}
	}
	if !strings.Contains(stdout.String(), "3 videos of ") {
		t.Errorf("stdout %q", stdout.String())
	}
	// Several videos need a directory.
	if err := renderCmd(context.Background(), []string{audio, "-o", filepath.Join(dir, "one.mp4"), "--aspect", "9:16,1:1"},
		&stdout, &stderr); err == nil || !strings.Contains(err.Error(), "give -o DIR/") {
		t.Errorf("a kit into a file: %v, want an error asking for -o DIR/", err)
	}
}
