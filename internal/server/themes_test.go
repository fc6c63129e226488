package server_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGenerateTheme is a generate request with "theme": "wave" end to
// end: it renders, its video is an MP4 of the track's length, and it is
// not the bars theme's video of the same track (the theme is part of the
// render's key).
func TestGenerateTheme(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, serverConfig(dir))
	c := newClient(t, srv.Store(), srv.URL())
	music, audio := c.upload(makeAudio(t, dir, "song.mp3", 3), "", "Themes")
	videos := map[string][]byte{}
	for _, theme := range []string{"wave", "bars"} {
		id := c.generate(map[string]any{"taskId": music, "audioId": audio, "theme": theme})
		r := c.waitDone(id, 2*time.Minute)
		if r.SuccessFlag != "SUCCESS" || r.Response.VideoURL == nil {
			t.Fatalf("%s: %+v", theme, r)
		}
		path := fetch(t, *r.Response.VideoURL, "video/mp4", filepath.Join(dir, theme+".mp4"))
		if d := ffprobe(t, path).duration(); d < 2.9 || d > 3.2 {
			t.Errorf("%s: the video lasts %.2f s, want 3", theme, d)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		videos[theme] = data
	}
	if bytes.Equal(videos["wave"], videos["bars"]) {
		t.Error("the wave theme's video is the bars theme's")
	}
}
