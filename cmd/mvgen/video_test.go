package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/server"
)

// TestVideo runs `mvgen video` against a real server on loopback: it makes
// a video from an ffmpeg-made song and cover, takes server and key from the
// environment, and fails with the API's message.
func TestVideo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	s, err := server.Open(ctx, server.Config{DataDir: filepath.Join(dir, "data"), Addr: "127.0.0.1:0", MetricsAddr: server.MetricsOff})
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	defer func() {
		stop()
		<-done
		s.Close()
	}()
	var created bytes.Buffer
	if err := createKey(ctx, s.Store(), "video", "", true, &created); err != nil {
		t.Fatal(err)
	}
	var key struct{ APIKey string }
	if err := json.Unmarshal(created.Bytes(), &key); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MVGEN_SERVER", s.URL())
	t.Setenv("MVGEN_KEY", key.APIKey)

	song := filepath.Join(dir, "song.mp3")
	cover := filepath.Join(dir, "cover.png")
	for _, args := range [][]string{
		{"-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-ac", "2", song},
		{"-f", "lavfi", "-i", "testsrc2=size=300x300", "-frames:v", "1", cover},
	} {
		if out, err := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
	notAudio := filepath.Join(dir, "notes.txt")
	os.WriteFile(notAudio, []byte(strings.Repeat("not a song\n", 500)), 0o600)
	lrc, badLRC := filepath.Join(dir, "song.lrc"), filepath.Join(dir, "bad.lrc")
	os.WriteFile(lrc, []byte("[00:00.50]<00:00.50>Sing <00:01.00>along\n"), 0o600)
	os.WriteFile(badLRC, []byte("[00:00.50]fine\n[0x:00.00]not fine\n"), 0o600)

	mvgen := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"video"}, args...), &out, &errOut)
		return out.String(), errOut.String(), err
	}

	out := filepath.Join(dir, "out.mp4")
	stdout, stderr, err := mvgen(song, "-o", out, "--cover", cover, "--lyrics", lrc, "--title", "Sine", "--author", "Tester",
		"--domain", "example.com", "--aspect", "9:16", "--resolution", "1080p", "--fps", "60", "--accent-color", "#2060ff", "--theme", "radial")
	if err != nil {
		t.Fatalf("mvgen video: %v\n%s", err, stderr)
	}
	if m := regexp.MustCompile(`video task (\w+)`).FindStringSubmatch(stderr); m == nil {
		t.Errorf("stderr %q names no video task", stderr)
	} else if tk, err := s.Store().Task(ctx, "", m[1]); err != nil || tk.Theme != "radial" || tk.FPS != 60 {
		t.Errorf("task %s: %+v, %v; want the radial theme at 60 fps", m[1], tk, err)
	}
	if !strings.HasPrefix(stdout, "wrote "+out) || !strings.Contains(stderr, "rendering (video task ") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	// Issue 20: the caption files of the lyrics beside the video.
	if vtt, err := os.ReadFile(filepath.Join(dir, "out.vtt")); err != nil ||
		!strings.Contains(string(vtt), "00:00:00.500 --> ") || !strings.Contains(string(vtt), "Sing <00:00:01.000>along") {
		t.Errorf("out.vtt: %v\n%s", err, vtt)
	}
	for _, ext := range []string{".srt", ".lrc"} {
		if !strings.Contains(stdout, "wrote "+filepath.Join(dir, "out"+ext)) {
			t.Errorf("stdout %q does not name out%s", stdout, ext)
		}
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,width,height,r_frame_rate:format=duration", "-of", "default=nw=1", out).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	if p := string(probe); !strings.Contains(p, "codec_name=h264") || !strings.Contains(p, "width=1080") ||
		!strings.Contains(p, "height=1920") || !strings.Contains(p, "r_frame_rate=60/1") ||
		!strings.Contains(p, "duration=3.0") && !strings.Contains(p, "duration=2.9") {
		t.Errorf("ffprobe: %s, want a 3-second 1080×1920 H.264 video at 60 fps", p)
	}

	// Issue 20: a kit into a directory, each video with its poster and captions.
	kitDir := filepath.Join(dir, "kit") + "/"
	stdout, stderr, err = mvgen(song, "-o", kitDir, "--lyrics", lrc, "--aspect", "16:9,4:5", "--clip", "auto:5")
	if err != nil {
		t.Fatalf("mvgen video (kit): %v\n%s", err, stderr)
	}
	for _, v := range []struct {
		name string
		w, h int
	}{{"song-16x9", 1280, 720}, {"song-4x5", 1080, 1350}, {"song-9x16-clip", 720, 1280}} {
		path := filepath.Join(kitDir, v.name+".mp4")
		probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
			"-of", "csv=p=0", path).Output()
		if want := fmt.Sprintf("%d,%d", v.w, v.h); err != nil || strings.TrimSpace(string(probe)) != want {
			t.Errorf("%s: %q (%v), want %s", path, probe, err, want)
		}
		for _, ext := range []string{".jpg", ".srt", ".vtt", ".lrc"} {
			if fi, err := os.Stat(filepath.Join(kitDir, v.name+ext)); err != nil || fi.Size() == 0 {
				t.Errorf("%s%s: %v", v.name, ext, err)
			}
		}
		if !strings.Contains(stdout, "wrote "+path) {
			t.Errorf("stdout %q does not name %s", stdout, path)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"kit into a file", []string{song, "-o", filepath.Join(dir, "k.mp4"), "--aspect", "16:9,9:16"}, "give -o DIR/"},
		{"clip too short", []string{song, "-o", filepath.Join(dir, "l.mp4"), "--clip", "auto:3"}, "a clip is 5 to 90 seconds long"},
		{"rendition aspect", []string{song, "-o", filepath.Join(dir, "m") + "/", "--aspect", "16:9,4:3"}, "422 renditions[0].aspect"},
		{"bad aspect", []string{song, "-o", filepath.Join(dir, "a.mp4"), "--aspect", "4:3"}, "422 aspect"},
		{"wrong key", []string{song, "-o", filepath.Join(dir, "b.mp4"), "--key", "mvk_wrong"}, "401 unknown API key"},
		{"author too long", []string{song, "-o", filepath.Join(dir, "c.mp4"), "--author", strings.Repeat("x", 51)}, "author must be at most 50"},
		{"not audio", []string{notAudio, "-o", filepath.Join(dir, "d.mp4")}, "upload: 400 audio: source audio is not a decodable audio file"},
		{"no such song", []string{filepath.Join(dir, "nope.mp3"), "-o", filepath.Join(dir, "e.mp4")}, "no such file"},
		{"no output", []string{song}, "usage: mvgen video"},
		{"bad resolution", []string{song, "-o", filepath.Join(dir, "f.mp4"), "--resolution", "4k"}, "422 resolution"},
		{"bad accent colour", []string{song, "-o", filepath.Join(dir, "j.mp4"), "--accent-color", "blue"}, `422 accentColor: "blue" is not a colour written #rrggbb`},
		{"bad theme", []string{song, "-o", filepath.Join(dir, "k.mp4"), "--theme", "disco"}, `422 theme: theme "disco" is not one of "bars", "wave"`},
		{"bad frame rate", []string{song, "-o", filepath.Join(dir, "i.mp4"), "--fps", "24"}, "422 fps must be 30 or 60 (got 24)"},
		{"malformed lyrics", []string{song, "-o", filepath.Join(dir, "g.mp4"), "--lyrics", badLRC}, "lyrics: line 2"},
		{"no such lyrics", []string{song, "-o", filepath.Join(dir, "h.mp4"), "--lyrics", filepath.Join(dir, "nope.lrc")}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := mvgen(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v (stderr %q), want one containing %q", err, stderr, tc.want)
			}
			if len(tc.args) > 2 {
				if _, serr := os.Stat(tc.args[2]); serr == nil {
					t.Errorf("%s was written despite the failure", tc.args[2])
				}
			}
		})
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".mvgen-video-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}
