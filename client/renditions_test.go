package client_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// TestRenditions: a generate with renditions over loopback against the real
// server makes a kit; Record.Videos lists every video, rendition 0 first,
// with all its fields, and each link downloads a video of its size.
func TestRenditions(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := client.New(live.URL(), newKey(t))
	audio, err := os.Open(live.audio)
	if err != nil {
		t.Fatal(err)
	}
	defer audio.Close()
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: audio, AudioName: "song.wav", Title: "Kit",
		Lyrics: strings.NewReader("[00:00.50]Hello\n[00:02.00]World\n")})
	if err != nil {
		t.Fatalf("UploadTrack: %v", err)
	}
	id, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Renditions: []client.Rendition{
		{Aspect: "9:16"},
		{Aspect: "1:1", Clip: &client.Clip{Start: time.Second, Duration: 5 * time.Second}},
	}})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	rec, err := c.WaitForVideo(ctx, id, &client.WaitOptions{Interval: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("WaitForVideo: %v", err)
	}
	want := []struct {
		aspect     string
		w, h       int
		start, dur time.Duration
		name       string
	}{{"16:9", 1280, 720, 0, 3 * time.Second, "0"}, {"9:16", 720, 1280, 0, 3 * time.Second, "1"},
		// A 5-second clip of a 3-second song is cut to fit: the whole song.
		{"1:1", 1080, 1080, 0, 3 * time.Second, "2"}}
	if len(rec.Videos) != len(want) || rec.Videos[0].VideoURL != rec.VideoURL || rec.Videos[0].PosterURL != rec.PosterURL {
		t.Fatalf("Videos = %+v, want %d with rendition 0's links first", rec.Videos, len(want))
	}
	for i, v := range rec.Videos {
		w := want[i]
		if v.Aspect != w.aspect || v.Resolution != "720p" || v.Width != w.w || v.Height != w.h || v.Start != w.start ||
			(v.Duration-w.dur).Abs() > 150*time.Millisecond || v.PosterURL == "" || v.Captions == nil || v.Captions.LRC == "" {
			t.Errorf("Videos[%d] = %+v, want %s %d×%d from %v for %v with poster and captions", i, v, w.aspect, w.w, w.h, w.start, w.dur)
			continue
		}
		out := filepath.Join(t.TempDir(), w.name+".mp4")
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Download(ctx, v.VideoURL, f, nil)
		f.Close()
		if err != nil {
			t.Fatalf("Download %s: %v", v.VideoURL, err)
		}
		if p := ffprobe(t, out); len(p.Streams) == 0 || p.Streams[0].Width != w.w || p.Streams[0].Height != w.h {
			t.Errorf("video %d: %+v, want %d×%d", i, p.Streams, w.w, w.h)
		}
	}
	// A wrong clip is the server's 422, naming the field.
	_, err = c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Renditions: []client.Rendition{
		{Aspect: "9:16", Clip: &client.Clip{Auto: true, Duration: 2 * time.Second}}}})
	var e *client.Error
	if !errors.As(err, &e) || e.Code != 422 || !strings.Contains(e.Msg, "renditions[0].clip.duration") {
		t.Errorf("a 2-second clip: %v, want a 422 naming renditions[0].clip.duration", err)
	}
}
