package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/lyrics"
)

// TestCaptionFiles is issue 20's caption files end to end: a track uploaded
// with timed LRC lyrics gets SRT, WebVTT and LRC files beside its video,
// behind signed links in record-info's response.captions, that parse (the
// SubRip and WebVTT ones with ffprobe) into the lyrics' lines; an identical
// request reuses them; an altered link is refused; a track whose lyrics have
// no times gets none, and record-info says why.
func TestCaptionFiles(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, serverConfig(dir))
	c := newClient(t, srv.Store(), srv.URL())
	audio := makeAudio(t, dir, "song.mp3", 4)

	const lrc = "[00:00.50]<00:00.50>Hello <00:01.00>bright <00:01.50>world\n[00:02.50]Second line\n"
	var tr struct{ TaskID, AudioID string }
	if e := uploadWithLyrics(c, audio, "Captions", lrc); e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
		t.Fatalf("upload: %d %s", e.Code, e.Msg)
	}
	first := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID})
	second := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID}) // reuses the render
	embedded := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "embedCaptions": true})
	want, _ := lyrics.ParseLRC([]byte(lrc))
	for _, id := range []string{first, second} {
		if r := c.waitDone(id, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
			t.Fatalf("task %s: %+v", id, r)
		}
		caps, note := captionLinks(t, c, id)
		if caps == nil || note != "" {
			t.Fatalf("task %s: captions %v, note %q; want three links and no note", id, caps, note)
		}
		checkVideos(t, c, id, caps)
		for _, f := range []struct{ ext, contentType string }{
			{"srt", "application/x-subrip; charset=utf-8"}, {"vtt", "text/vtt; charset=utf-8"}, {"lrc", "text/plain; charset=utf-8"},
		} {
			u := caps[f.ext]
			if !strings.Contains(u, "/v1/captions/"+id+"."+f.ext+"?") {
				t.Errorf("%s link %s, want /v1/captions/%s.%s?…", f.ext, u, id, f.ext)
			}
			path := fetch(t, u, f.contentType, filepath.Join(dir, id+"."+f.ext))
			if f.ext == "lrc" {
				data, _ := os.ReadFile(path)
				got, err := lyrics.ParseLRC(data)
				if err != nil || len(got.Lines) != 2 || got.Lines[0].Text != "Hello bright world" || len(got.Lines[0].Words) != 3 {
					t.Errorf("the LRC file reads back as %+v (%v), want %+v", got.Lines, err, want.Lines)
				}
				continue
			}
			out, err := exec.Command("ffprobe", "-v", "error", "-show_packets", "-of", "csv=p=0", "-show_entries",
				"packet=pts_time", path).Output()
			if got := strings.Fields(string(out)); err != nil || len(got) != 2 || got[0] != "0.500000" || got[1] != "2.500000" {
				t.Errorf("%s: ffprobe reads cues at %q (%v), want 0.500000 and 2.500000", f.ext, out, err)
			}
		}
		// A caption link is not a video link, nor altered.
		altered := strings.Replace(caps["vtt"], "/v1/captions/", "/v1/videos/", 1)
		altered = strings.Replace(altered, ".vtt?", ".mp4?", 1)
		for _, u := range []string{altered, caps["vtt"] + "x"} {
			resp, err := apitest.Client(t, u).Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s: %s, want 403", u, resp.Status)
			}
		}
	}

	// embedCaptions: the MP4 has a mov_text track too; the others have none.
	for id, want := range map[string]bool{embedded: true, first: false} {
		if r := c.waitDone(id, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
			t.Fatalf("task %s: %+v", id, r)
		}
		video, _ := links(t, c, id)
		path := fetch(t, video, "video/mp4", filepath.Join(dir, id+".mp4"))
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path).Output()
		if err != nil || strings.Contains(string(out), "mov_text") != want {
			t.Errorf("task %s: streams %q (%v), want a mov_text track: %v", id, strings.Fields(string(out)), err, want)
		}
	}

	// Lyrics without times: no captions, and record-info says why.
	var plain struct{ TaskID, AudioID string }
	if e := uploadWithLyrics(c, audio, "Untimed", "Just words\nwith no times\n"); e.Code != 200 || json.Unmarshal(e.Data, &plain) != nil {
		t.Fatalf("upload: %d %s", e.Code, e.Msg)
	}
	id := c.generate(map[string]any{"taskId": plain.TaskID, "audioId": plain.AudioID})
	if r := c.waitDone(id, 2*time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Fatalf("untimed task: %+v", r)
	}
	if caps, note := captionLinks(t, c, id); caps != nil || !strings.Contains(note, "no times") {
		t.Errorf("untimed lyrics: captions %v, note %q; want none and a note naming the missing times", caps, note)
	}
}

// checkVideos checks record-info's response.videos: rendition 0 only, the
// default 16:9 720p, the whole 4 s song, the links of response.
func checkVideos(t *testing.T, c *client, id string, caps map[string]string) {
	t.Helper()
	e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	var d struct {
		Response struct {
			VideoURL  string `json:"videoUrl"`
			PosterURL string `json:"posterUrl"`
			Videos    []struct {
				Aspect, Resolution, VideoURL, PosterURL string
				Width, Height                           int
				Start                                   float64
				Duration                                *float64
				Captions                                map[string]string
			} `json:"videos"`
		} `json:"response"`
	}
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil || len(d.Response.Videos) != 1 {
		t.Fatalf("record-info of %s: %d %s, want one video", id, e.Code, e.Data)
	}
	v := d.Response.Videos[0]
	if v.Aspect != "16:9" || v.Resolution != "720p" || v.Width != 1280 || v.Height != 720 || v.Start != 0 ||
		v.Duration == nil || *v.Duration < 3.9 || *v.Duration > 4.1 || v.VideoURL != d.Response.VideoURL ||
		v.PosterURL != d.Response.PosterURL || v.Captions["vtt"] != caps["vtt"] {
		t.Errorf("task %s: videos[0] = %+v (duration %v), want 16:9 720p 1280×720 from 0 for 4 s with response's links", id, v, v.Duration)
	}
}

// captionLinks returns record-info's response.captions (nil when null)
// and response.captionsNote.
func captionLinks(t *testing.T, c *client, id string) (map[string]string, string) {
	t.Helper()
	e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	var d struct {
		Response struct {
			Captions     map[string]string `json:"captions"`
			CaptionsNote string            `json:"captionsNote"`
		} `json:"response"`
	}
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil {
		t.Fatalf("record-info of %s: %d %s", id, e.Code, e.Data)
	}
	return d.Response.Captions, d.Response.CaptionsNote
}
