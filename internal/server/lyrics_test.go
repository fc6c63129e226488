package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // posters are JPEG
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

// TestLyricsVideo is issue 13 end to end through the real service: a track
// uploaded with LRC lyrics becomes a 1080p 9:16 video whose lyric area
// lights up while a line is sung, with a poster at the video's size behind
// record-info's posterUrl (not in the callback); "lyrics": false makes
// another video; and a song of the upstream gets its timestamped lyrics
// from the upstream (the fake answers the documented example).
func TestLyricsVideo(t *testing.T) {
	const upstreamKey = "sk-hosted-lyrics-77e1"
	fake, err := upstreamtest.Start(t.TempDir(), upstreamKey, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	dir := t.TempDir()
	cfg := serverConfig(dir)
	cfg.UpstreamURL = fake.URL
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	if err := srv.Store().SetUpstreamKey(context.Background(), keyOf(t, srv, t.Name()).ID, upstreamKey); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t)

	// One line at 2.0 s, its words at 2.0, 2.4 and 2.8 s: shown dimmer as
	// the next line from 1.0 s, nothing before.
	audio := makeAudio(t, dir, "song.mp3", 4)
	lrc := "[ti:Test]\n[00:02.00]<00:02.00>HELLO <00:02.40>BRIGHT <00:02.80>WORLD\n"
	e := uploadWithLyrics(c, audio, "Lyrics test", lrc)
	var tr struct{ TaskID, AudioID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
		t.Fatalf("upload: %d %s", e.Code, e.Msg)
	}
	checkTrackLyrics(t, c, tr.TaskID, true)

	withLyrics := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "aspect": "9:16",
		"resolution": "1080p", "callBackUrl": rcv.URL + "/hook", "author": "Ada"})
	without := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "aspect": "9:16",
		"resolution": "1080p", "lyrics": false, "author": "Ada"})
	fullFrame := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "aspect": "9:16",
		"resolution": "1080p", "safeArea": false, "author": "Ada"})
	cb := rcv.next(t, 2*time.Minute)
	if bytes.Contains(cb.body, []byte("poster")) {
		t.Errorf("callback body %s mentions the poster; the contract's body has no such field", cb.body)
	}
	videos := map[string]string{}
	for _, id := range []string{withLyrics, without, fullFrame} {
		if r := c.waitDone(id, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
			t.Fatalf("task %s: %+v", id, r)
		}
		videoURL, posterURL := links(t, c, id)
		videos[id] = fetch(t, videoURL, "video/mp4", filepath.Join(dir, id+".mp4"))
		checkSize(t, videos[id], 1080, 1920)
		if !strings.Contains(posterURL, "/v1/posters/"+id+".jpg?") {
			t.Errorf("posterUrl %s, want /v1/posters/%s.jpg?…", posterURL, id)
		}
		checkPoster(t, c, id, 1080, 1920)
	}
	a, _ := os.ReadFile(videos[withLyrics])
	b, _ := os.ReadFile(videos[without])
	if bytes.Equal(a, b) {
		t.Errorf(`the videos with and without lyrics are the same file; "lyrics": false must make its own`)
	}
	// The 9:16 lyric area at 1080p, inside the platform-safe box: (120,
	// 864), 762×240 (bars' safePortrait scaled by 3/2).
	checkLyricShown(t, videos[withLyrics], [4]int{120, 864, 762, 240}, 0.3, 3.2)
	// "safeArea": false: the full-frame layout's lyric area, (60, 1050),
	// 960×450 (lyricLayout scaled by 3/2).
	checkLyricShown(t, videos[fullFrame], [4]int{60, 1050, 960, 450}, 0.3, 3.2)
	// (The video without lyrics has another layout: its bars are there.)

	// A song of the upstream: its lyrics come from get-timestamped-lyrics
	// (the documented example: "Waggin'" from 1.36 s), asked once, at the
	// first generate. 16:9 at 720p: the lyric area is (540, 292), 660×126.
	musicID, audioIDs := fake.AddTask("SUCCESS", "Waggin'")
	up := c.generate(map[string]any{"taskId": musicID, "audioId": audioIDs[0]})
	if r := c.waitDone(up, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Fatalf("upstream task: %+v", r)
	}
	if n := fake.LyricsRequests(); n != 1 {
		t.Errorf("get-timestamped-lyrics requests = %d, want 1", n)
	}
	checkTrackLyrics(t, c, musicID, true)
	videoURL, _ := links(t, c, up)
	upVideo := fetch(t, videoURL, "video/mp4", filepath.Join(dir, "upstream.mp4"))
	checkSize(t, upVideo, 1280, 720)
	checkLyricShown(t, upVideo, [4]int{540, 292, 660, 126}, 0.2, 2.5)
}

// uploadWithLyrics uploads audio with an LRC file as the part "lyrics".
func uploadWithLyrics(c *client, audio, title, lrc string) envelope {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", title)
	fw, _ := mw.CreateFormFile("audio", filepath.Base(audio))
	b, err := os.ReadFile(audio)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(b)
	fw, _ = mw.CreateFormFile("lyrics", "song.lrc")
	io.WriteString(fw, lrc)
	mw.Close()
	return c.do(http.MethodPost, "/api/v1/tracks", mw.FormDataContentType(), &buf)
}

// checkTrackLyrics checks GET /api/v1/tracks' lyric fields.
func checkTrackLyrics(t *testing.T, c *client, musicID string, synced bool) {
	t.Helper()
	e := c.do(http.MethodGet, "/api/v1/tracks?taskId="+musicID, "", nil)
	var d struct {
		Tracks []struct {
			HasLyrics    bool `json:"hasLyrics"`
			SyncedLyrics bool `json:"syncedLyrics"`
		} `json:"tracks"`
	}
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil || len(d.Tracks) != 1 ||
		!d.Tracks[0].HasLyrics || d.Tracks[0].SyncedLyrics != synced {
		t.Errorf("GET tracks: %d %s, want one track with hasLyrics true, syncedLyrics %v", e.Code, e.Data, synced)
	}
}

// links reads a finished task's video and poster links from record-info.
func links(t *testing.T, c *client, id string) (video, poster string) {
	t.Helper()
	e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	var d struct {
		Response struct {
			VideoURL  *string `json:"videoUrl"`
			PosterURL *string `json:"posterUrl"`
		} `json:"response"`
	}
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil || d.Response.VideoURL == nil || d.Response.PosterURL == nil {
		t.Fatalf("record-info of %s: %d %s, want videoUrl and posterUrl", id, e.Code, e.Data)
	}
	return *d.Response.VideoURL, *d.Response.PosterURL
}

// checkPoster fetches a finished task's posterUrl (following a redirect to
// object storage) and checks it is a JPEG of w×h.
func checkPoster(t *testing.T, c *client, id string, w, h int) {
	t.Helper()
	_, u := links(t, c, id)
	resp, err := apitest.Client(t, u).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET poster: %s", resp.Status)
	}
	conf, format, err := image.DecodeConfig(resp.Body)
	if err != nil || format != "jpeg" || conf.Width != w || conf.Height != h {
		t.Errorf("poster of %s: %s %dx%d (%v), want a %dx%d JPEG", id, format, conf.Width, conf.Height, err, w, h)
	}
}

// fetch downloads a signed link to path, checking its Content-Type.
func fetch(t *testing.T, u, contentType, path string) string {
	t.Helper()
	resp, err := apitest.Client(t, u).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != contentType {
		t.Fatalf("GET %s: %s %q, want 200 %s", u, resp.Status, resp.Header.Get("Content-Type"), contentType)
	}
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkSize checks the video stream's size with ffprobe.
func checkSize(t *testing.T, path string, w, h int) {
	t.Helper()
	for _, s := range ffprobe(t, path).Streams {
		if s.CodecType == "video" && (s.Width != w || s.Height != h) {
			t.Errorf("%s: video %dx%d, want %dx%d", filepath.Base(path), s.Width, s.Height, w, h)
		}
	}
}

// checkLyricShown counts bright pixels in the lyric area band of the
// frames at quiet (no line shown yet) and sung (a line being sung): the
// sung frame must have many, and several times the quiet frame's.
func checkLyricShown(t *testing.T, video string, band [4]int, quiet, sung float64) {
	t.Helper()
	q, s := brightPixels(t, video, band, quiet), brightPixels(t, video, band, sung)
	t.Logf("%s: bright pixels in the lyric area: %d at %vs (no line), %d at %vs (sung)", filepath.Base(video), q, quiet, s, sung)
	if s < 500 || s < 5*q+100 {
		t.Errorf("%s: bright pixels in the lyric area: %d at %vs, %d at %vs; want the sung frame's ≥ 500 and ≥ 5× the quiet one's",
			filepath.Base(video), q, quiet, s, sung)
	}
}

// brightPixels counts the pixels of luma over 180 in band (x, y, w, h)
// of the video's frame at the given second.
func brightPixels(t *testing.T, video string, band [4]int, at float64) int {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", fmt.Sprint(at), "-i", video, "-frames:v", "1",
		"-vf", fmt.Sprintf("crop=%d:%d:%d:%d,format=gray", band[2], band[3], band[0], band[1]),
		"-f", "rawvideo", "-").Output()
	if err != nil || len(out) != band[2]*band[3] {
		t.Fatalf("extracting the frame at %vs of %s: %v (%d bytes)", at, filepath.Base(video), err, len(out))
	}
	n := 0
	for _, y := range out {
		if y > 180 {
			n++
		}
	}
	return n
}
