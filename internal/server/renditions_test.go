package server_test

import (
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
	"github.com/mvgen/mvgen/webhook"
)

// kitEvent is a callback body with issue 20's data.videos.
type kitEvent struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data struct {
		TaskID   string          `json:"task_id"`
		VideoURL *string         `json:"video_url"`
		Videos   []webhook.Video `json:"videos"`
	} `json:"data"`
}

// TestRenditions is issue 20's kit end to end over loopback, on SQLite and
// real ffmpeg: a track uploaded with LRC lyrics, one generate with
// renditions (the whole song in 9:16 and 4:5) → one signed callback whose
// data.videos lists the three videos, rendition 0 first (the 4:5 one reused
// from an earlier plain request), as record-info's
// response.videos does → every video, poster and caption link serves the
// right size and length, and the captions parse into the lyrics. Then a
// kit with a clip: rendered, its video is the clip's length and its
// captions start at 0, and an "auto" clip starts where the renderer found
// the hook.
func TestRenditions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	renditions(t, dir, serverConfig(dir))
}

// TestRenditionsPostgres is the same kit on PostgreSQL.
func TestRenditionsPostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := serverConfig(dir)
	cfg.DB = pgtest.DSN(t)
	renditions(t, dir, cfg)
}

func renditions(t *testing.T, dir string, cfg server.Config) {
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	rcv := newReceiver(t)
	audio := makeAudio(t, dir, "song.mp3", 7)

	const lrc = "[00:00.50]First line\n[00:03.00]Second line\n[00:05.50]Third line\n"
	var tr struct{ TaskID, AudioID string }
	if e := uploadWithLyrics(c, audio, "Kit", lrc); e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
		t.Fatalf("upload: %d %s", e.Code, e.Msg)
	}
	// A plain 4:5 video first: the kit's 4:5 rendition reuses it.
	feed := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "aspect": "4:5"})
	if r := c.waitDone(feed, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Fatalf("plain 4:5 task: %+v", r)
	}
	id := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "callBackUrl": rcv.URL + "/hook",
		"renditions": []any{map[string]any{"aspect": "9:16"}, map[string]any{"aspect": "4:5"}}})
	cb := rcv.next(t, 4*time.Minute)
	verifySignatures(t, cb, c.secret, id) // both signatures over the whole body, data.videos included
	var ev kitEvent
	if err := json.Unmarshal(cb.body, &ev); err != nil || ev.Code != 200 || ev.Data.TaskID != id || ev.Data.VideoURL == nil {
		t.Fatalf("callback body = %s (%v)", cb.body, err)
	}
	want := []struct {
		aspect string
		w, h   int
	}{{"16:9", 1280, 720}, {"9:16", 720, 1280}, {"4:5", 1080, 1350}}
	if len(ev.Data.Videos) != len(want) {
		t.Fatalf("data.videos has %d videos, want %d: %s", len(ev.Data.Videos), len(want), cb.body)
	}
	if ev.Data.Videos[0].VideoURL != *ev.Data.VideoURL {
		t.Errorf("data.videos[0].videoUrl %s, want video_url %s", ev.Data.Videos[0].VideoURL, *ev.Data.VideoURL)
	}
	for i, v := range ev.Data.Videos {
		if v.Aspect != want[i].aspect || v.Resolution != "720p" || v.Width != want[i].w || v.Height != want[i].h || v.Start != 0 {
			t.Errorf("data.videos[%d] = %+v, want %s 720p %d×%d from 0", i, v, want[i].aspect, want[i].w, want[i].h)
		}
		checkKitVideo(t, dir, fmt.Sprintf("%s-%d", id, i), v, want[i].w, want[i].h, 7, lrc, 0)
	}

	// A redelivery sends the same body, data.videos included, signed anew.
	if e := c.postJSON("/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": id}); e.Code != 200 {
		t.Fatalf("redeliver: %d %s", e.Code, e.Msg)
	}
	again := rcv.next(t, time.Minute)
	verifySignatures(t, again, c.secret, id)
	if string(again.body) != string(cb.body) {
		t.Errorf("redelivered body:\n%s\nwant the first delivery's:\n%s", again.body, cb.body)
	}

	// record-info lists the same videos; videoUrl and posterUrl stay rendition 0's.
	e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	var d struct {
		Response struct {
			VideoURL  string          `json:"videoUrl"`
			PosterURL string          `json:"posterUrl"`
			Videos    []webhook.Video `json:"videos"`
		} `json:"response"`
	}
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil || len(d.Response.Videos) != 3 {
		t.Fatalf("record-info: %d %s", e.Code, e.Data)
	}
	for i, v := range d.Response.Videos {
		if v.Aspect != want[i].aspect || v.Width != want[i].w {
			t.Errorf("record-info videos[%d] = %+v, want %s", i, v, want[i].aspect)
		}
	}
	if d.Response.VideoURL != d.Response.Videos[0].VideoURL || d.Response.PosterURL != d.Response.Videos[0].PosterURL {
		t.Errorf("response.videoUrl/posterUrl are not rendition 0's")
	}
	// The jobs API's recordInfo lists every video in resultUrls, rendition 0 first.
	je := c.do(http.MethodGet, "/api/v1/jobs/recordInfo?taskId="+id, "", nil)
	var jr struct{ ResultJSON string }
	var urls struct{ ResultUrls []string }
	if je.Code != 200 || json.Unmarshal(je.Data, &jr) != nil || json.Unmarshal([]byte(jr.ResultJSON), &urls) != nil ||
		len(urls.ResultUrls) != 3 || urls.ResultUrls[0] != d.Response.VideoURL || !strings.Contains(urls.ResultUrls[2], id+"-2.mp4?") {
		t.Errorf("jobs recordInfo: %d %s, want resultUrls of the 3 videos", je.Code, je.Data)
	}
	// A rendition's link cannot be turned into another's.
	altered := strings.Replace(d.Response.Videos[1].VideoURL, id+"-1.mp4", id+"-2.mp4", 1)
	if resp, err := apitest.Client(t, altered).Get(altered); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET a rendition's link renamed to another: %v %v, want 403", resp.Status, err)
	} else {
		resp.Body.Close()
	}
	feedTask, _ := srv.Store().Task(t.Context(), "", feed)
	if kit, _ := srv.Store().Task(t.Context(), "", id); kit == nil || feedTask == nil || kit.Renditions[1].VideoKey != feedTask.VideoKey {
		t.Errorf("the kit's 4:5 rendition %v, want the plain 4:5 task's video %v", kit, feedTask)
	}
	// A plain request for the same whole 9:16 video reuses the kit's render.
	plain := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "aspect": "9:16"})
	if r := c.waitDone(plain, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Fatalf("plain 9:16 task: %+v", r)
	}
	if got, _ := srv.Store().Task(t.Context(), "", plain); got == nil || !strings.Contains(got.VideoKey, id+"-1.mp4") {
		t.Errorf("the plain 9:16 task's video %v, want the kit's rendition 1 (%s-1.mp4)", got, id)
	}

	// A kit with a clip.
	clipID := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "callBackUrl": rcv.URL + "/hook",
		"renditions": []any{map[string]any{"aspect": "9:16", "clip": map[string]any{"start": 1.5, "duration": 5}},
			map[string]any{"aspect": "1:1", "clip": map[string]any{"start": "auto", "duration": 5}}}})
	cb = rcv.next(t, 4*time.Minute)
	ev = kitEvent{}
	if err := json.Unmarshal(cb.body, &ev); err != nil || ev.Data.TaskID != clipID {
		t.Fatalf("callback body = %s (%v)", cb.body, err)
	}
	if ev.Code != 200 || len(ev.Data.Videos) != 3 {
		t.Fatalf("data.videos of the clip kit: %s", cb.body)
	}
	v := ev.Data.Videos[1]
	if v.Aspect != "9:16" || v.Start != 1.5 || v.Duration == nil || math.Abs(*v.Duration-5) > 0.1 {
		t.Errorf("the clip: %+v, want 9:16 from 1.5 s for 5 s", v)
	}
	checkKitVideo(t, dir, clipID+"-1", v, 720, 1280, 5, lrc, 1500*time.Millisecond)
	auto := ev.Data.Videos[2]
	if auto.Aspect != "1:1" || auto.Start < 0 || auto.Start > 2 || auto.Duration == nil || math.Abs(*auto.Duration-5) > 0.1 {
		t.Errorf("the auto clip: %+v (duration %v), want 1:1, 5 s from where the hook is", auto, auto.Duration)
	}
	checkKitVideo(t, dir, clipID+"-2", auto, 1080, 1080, 5, lrc, time.Duration(auto.Start*float64(time.Second)))
}

// checkKitVideo downloads video v of a kit with its poster and captions
// and checks them: w×h, seconds long, captions that parse into the lines of
// lrc shown from start, timed from 0.
func checkKitVideo(t *testing.T, dir, name string, v webhook.Video, w, h int, seconds float64, lrc string, start time.Duration) {
	t.Helper()
	path := fetch(t, v.VideoURL, "video/mp4", filepath.Join(dir, name+".mp4"))
	p := ffprobe(t, path)
	if len(p.Streams) == 0 || p.Streams[0].Width != w || p.Streams[0].Height != h || math.Abs(p.duration()-seconds) > 0.2 {
		t.Errorf("%s: %+v, %.2f s; want %d×%d, %v s", name, p.Streams, p.duration(), w, h, seconds)
	}
	if v.Duration == nil || math.Abs(*v.Duration-seconds) > 0.2 {
		t.Errorf("%s: duration %v, want %v", name, v.Duration, seconds)
	}
	poster := fetch(t, v.PosterURL, "image/jpeg", filepath.Join(dir, name+".jpg"))
	f, err := os.Open(poster)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if conf, _, err := image.DecodeConfig(f); err != nil || conf.Width != w || conf.Height != h {
		t.Errorf("%s poster: %dx%d (%v), want %dx%d", name, conf.Width, conf.Height, err, w, h)
	}
	if v.Captions == nil {
		t.Fatalf("%s: no captions", name)
	}
	all, _ := lyrics.ParseLRC([]byte(lrc))
	wantLines := all.Window(start, time.Duration(seconds*float64(time.Second)))
	data, _ := os.ReadFile(fetch(t, v.Captions.LRC, "text/plain; charset=utf-8", filepath.Join(dir, name+".lrc")))
	got, err := lyrics.ParseLRC(data)
	if err != nil || len(got.Lines) != len(wantLines) || got.Lines[0].Start != wantLines[0].Start || got.Lines[0].Text != wantLines[0].Text {
		t.Errorf("%s LRC reads back as %+v (%v), want %+v", name, got.Lines, err, wantLines)
	}
	vtt, _ := os.ReadFile(fetch(t, v.Captions.VTT, "text/vtt; charset=utf-8", filepath.Join(dir, name+".vtt")))
	if !strings.HasPrefix(string(vtt), "WEBVTT") || strings.Count(string(vtt), " --> ") != len(wantLines) {
		t.Errorf("%s WebVTT has %d cues, want %d:\n%s", name, strings.Count(string(vtt), " --> "), len(wantLines), vtt)
	}
	srt, _ := os.ReadFile(fetch(t, v.Captions.SRT, "application/x-subrip; charset=utf-8", filepath.Join(dir, name+".srt")))
	if strings.Count(string(srt), " --> ") != len(wantLines) {
		t.Errorf("%s SRT has %d cues, want %d", name, strings.Count(string(srt), " --> "), len(wantLines))
	}
}

// TestRenditionsCancel: a cancel stops a kit's render at once and keeps
// none of its videos.
func TestRenditionsCancel(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverConfig(t.TempDir()))
	c := newClient(t, srv.Store(), srv.URL())
	scratch, blobs := filepath.Join(srv.DataDir(), "tmp"), filepath.Join(srv.DataDir(), "files")
	m, a := c.upload(makeAudio(t, t.TempDir(), "long.mp3", 180), "", "long")
	id := c.generate(map[string]any{"taskId": m, "audioId": a, "renditions": []any{map[string]any{"aspect": "9:16"},
		map[string]any{"aspect": "1:1", "clip": map[string]any{"start": "auto", "duration": 30}}}})
	if !waitFor(time.Minute, func() bool { r, _ := c.record(id); return r.Progress > 0 }) {
		t.Fatal("the kit did not start within a minute")
	}
	if e := c.postJSON("/api/v1/mp4/cancel", map[string]any{"taskId": id}); e.Code != 200 {
		t.Fatalf("cancel: %d %s", e.Code, e.Msg)
	}
	if !waitFor(10*time.Second, func() bool { left, _ := filepath.Glob(filepath.Join(scratch, "*")); return len(left) == 0 }) {
		left, _ := filepath.Glob(filepath.Join(scratch, "*"))
		t.Fatalf("10 s after the cancel the kit goes on: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(blobs, "videos/*")); len(left) != 0 {
		t.Errorf("the cancelled kit left %v", left)
	}
	if r, _ := c.record(id); r.SuccessFlag != "GENERATE_MP4_FAILED" || r.Response.VideoURL != nil {
		t.Errorf("after the cancel: %s, video %v; want GENERATE_MP4_FAILED without a video", r.SuccessFlag, r.Response.VideoURL)
	}
}
