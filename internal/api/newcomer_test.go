package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mvgen/mvgen/internal/render"
)

// upload posts a multipart track upload; parts maps a field name to a file
// path ("@path") or a plain value.
func (c *client) upload(parts [][2]string) envelope {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		if path, ok := strings.CutPrefix(p[1], "@"); ok {
			data, err := os.ReadFile(path)
			if err != nil {
				c.t.Fatal(err)
			}
			w, _ := mw.CreateFormFile(p[0], filepath.Base(path))
			w.Write(data)
		} else {
			mw.WriteField(p[0], p[1])
		}
	}
	mw.Close()
	return c.do(http.MethodPost, "/api/v1/tracks", mw.FormDataContentType(), &body)
}

// TestNearMissFields: unknown fields are ignored and case variants match,
// but a near miss of a known field is 422 with a suggestion, in JSON bodies
// and in multipart parts.
func TestNearMissFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	musicID, audioID := c.track()
	gen := func(extra string) string {
		return `{"taskId":"` + musicID + `","audioId":"` + audioID + `"` + extra + `}`
	}
	for _, tc := range []struct {
		name    string
		path    string
		body    string
		want    int
		wantMsg string
	}{
		{"snake case callback", "/api/v1/mp4/generate", gen(`,"callback_url":"https://example.com/h"`), 422,
			"unknown field callback_url; did you mean callBackUrl?"},
		{"kebab case callback", "/api/v1/mp4/generate", gen(`,"call-back-url":"https://example.com/h"`), 422,
			"unknown field call-back-url; did you mean callBackUrl?"},
		{"typo callback", "/api/v1/mp4/generate", gen(`,"callBackUri":"https://example.com/h"`), 422,
			"did you mean callBackUrl?"},
		{"snake case audio id", "/api/v1/mp4/generate", `{"taskId":"` + musicID + `","audio_id":"` + audioID + `"}`, 422,
			"unknown field audio_id; did you mean audioId?"},
		{"typo aspect", "/api/v1/mp4/generate", gen(`,"aspekt":"1:1"`), 422, "did you mean aspect?"},
		{"case variant matches", "/api/v1/mp4/generate", gen(`,"callbackurl":"https://example.com/h"`), 200, "success"},
		{"upper case matches", "/api/v1/mp4/generate", gen(`,"AUTHOR":"Ada"`), 200, "success"},
		{"unrelated field ignored", "/api/v1/mp4/generate", gen(`,"model":"V4","instrumental":true`), 200, "success"},
		{"near miss beside the right field", "/api/v1/mp4/generate",
			gen(`,"callBackUrl":"https://example.com/h","callback_url":"https://example.com/h"`), 200, "success"},
		{"redeliver task_id", "/api/v1/mp4/callbacks/redeliver", `{"task_id":"x"}`, 422, "did you mean taskId?"},
		{"track image", "/api/v1/tracks", `{"audioUrl":"https://example.com/a.mp3","image":"https://example.com/c.png"}`, 422,
			"unknown field image; did you mean imageUrl?"},
		{"track audio_url", "/api/v1/tracks", `{"audio_url":"https://example.com/a.mp3"}`, 422, "did you mean audioUrl?"},
		{"track extra ignored", "/api/v1/tracks", `{"audioUrl":"https://example.com/a.mp3","genre":"pop"}`, 200, "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			e := cc.postJSON(tc.path, tc.body)
			if e.Code != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got %d %q, want %d with %q", e.Code, e.Msg, tc.want, tc.wantMsg)
			}
		})
	}

	for _, tc := range []struct {
		name    string
		parts   [][2]string
		want    int
		wantMsg string
	}{
		{"image part", [][2]string{{"audio", "abc"}, {"image", "png"}}, 422, "unknown field image; did you mean cover?"},
		{"image before audio", [][2]string{{"image", "png"}, {"audio", "abc"}}, 422, "did you mean cover?"},
		{"titel part", [][2]string{{"audio", "abc"}, {"titel", "x"}}, 422, "unknown field titel; did you mean title?"},
		{"unrelated part ignored", [][2]string{{"audio", "abc"}, {"comment", "x"}}, 200, "success"},
	} {
		t.Run("multipart "+tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			e := cc.upload(tc.parts)
			if e.Code != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got %d %q, want %d with %q", e.Code, e.Msg, tc.want, tc.wantMsg)
			}
		})
	}
}

// TestFormBodyHint: a body curl -d sends (form-encoded) names the fix
// when it is not JSON, and is taken as JSON when it is (the README says
// both).
func TestFormBodyHint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	for _, tc := range []struct {
		name, contentType string
		wantHint          bool
	}{
		{"form", "application/x-www-form-urlencoded", true},
		{"none", "", true},
		{"json", "application/json", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			e := cc.do(http.MethodPost, "/api/v1/mp4/generate", tc.contentType, strings.NewReader("taskId=a&audioId=b"))
			hint := strings.Contains(e.Msg, "send Content-Type: application/json")
			if e.Code != 400 || hint != tc.wantHint {
				t.Errorf("got %d %q, want 400 with hint %v", e.Code, e.Msg, tc.wantHint)
			}
		})
	}
	t.Run("valid JSON, curl -d alone", func(t *testing.T) {
		cc := *c
		cc.t = t
		musicID, audioID := cc.track()
		body := `{"taskId":"` + musicID + `","audioId":"` + audioID + `"}`
		// Not through apitest's client: docs/openapi.yaml documents JSON
		// bodies only, and this leniency is beyond the document.
		req, _ := http.NewRequest(http.MethodPost, cc.base+"/api/v1/mp4/generate", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+cc.token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e envelope
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code != 200 {
			t.Errorf("got %d %q (%v), want 200: a valid JSON body is taken as JSON whatever its Content-Type", e.Code, e.Msg, err)
		}
	})
}

// TestExplainedNotFound: using one kind of id for another says so.
func TestExplainedNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	musicID, audioID := c.track()
	video := c.generate(map[string]any{"taskId": musicID, "audioId": audioID})
	for _, tc := range []struct {
		name    string
		do      func() envelope
		wantMsg string
	}{
		{"record-info with the music taskId", func() envelope {
			return c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+musicID, "", nil)
		}, "is a music task (a track upload), not a video task: use the taskId that /api/v1/mp4/generate returned"},
		{"callbacks with the music taskId", func() envelope {
			return c.do(http.MethodGet, "/api/v1/mp4/callbacks?taskId="+musicID, "", nil)
		}, "is a music task"},
		{"record-info with an unknown id", func() envelope {
			return c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId=nope", "", nil)
		}, `no video task with taskId "nope"`},
		{"generate with ids swapped", func() envelope {
			return c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": audioID, "audioId": musicID})
		}, "taskId and audioId are swapped: send taskId \"" + musicID + "\""},
		{"generate with the video taskId", func() envelope {
			return c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": video, "audioId": audioID})
		}, "is a video task"},
		{"generate with an unknown track", func() envelope {
			return c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": musicID, "audioId": "nope"})
		}, "register it with POST /api/v1/tracks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			if e := tc.do(); e.Code != 404 || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got %d %q, want 404 with %q", e.Code, e.Msg, tc.wantMsg)
			}
		})
	}
}

// TestUploadProbe: with Sources set, an upload the renderer could not use
// answers 400 naming the problem and leaves no file; a good one is stored
// and GET /api/v1/tracks shows its cover.
func TestUploadProbe(t *testing.T) {
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is required (make deps installs it): %v", bin, err)
		}
	}
	t.Parallel()
	f := newFixture(t)
	f.h.Sources, f.h.TempDir = &render.Renderer{}, t.TempDir()
	c := f.client("c")
	dir := t.TempDir()
	ffmpegRun := func(args ...string) string {
		out := filepath.Join(dir, args[len(args)-1])
		cmd := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, append(args[:len(args)-1], out)...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, b)
		}
		return out
	}
	song := ffmpegRun("-f", "lavfi", "-i", "sine=duration=1", "song.mp3")
	videoOnly := ffmpegRun("-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1", "-c:v", "libx264", "video.mp4")
	cover := ffmpegRun("-f", "lavfi", "-i", "color=red:size=32x32", "-frames:v", "1", "cover.png")
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not audio"), 0o600)

	for _, tc := range []struct {
		name    string
		audio   string
		want    int
		wantMsg string
	}{
		{"video-only mp4", videoOnly, 400, "audio: source file has no audio stream"},
		{"text file", text, 400, "audio: source audio is not a decodable audio file"},
		{"mp3", song, 200, "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			e := c.upload([][2]string{{"audio", "@" + tc.audio}, {"cover", "@" + cover}, {"title", tc.name}})
			if e.Code != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Fatalf("got %d %q, want %d with %q", e.Code, e.Msg, tc.want, tc.wantMsg)
			}
			if tc.want != 200 {
				return
			}
			var d struct{ TaskID string }
			json.Unmarshal(e.Data, &d)
			list := c.do(http.MethodGet, "/api/v1/tracks?taskId="+d.TaskID, "", nil)
			var got struct {
				Tracks []struct {
					HasCover bool `json:"hasCover"`
					Uploaded bool `json:"uploaded"`
				}
			}
			if err := json.Unmarshal(list.Data, &got); err != nil || len(got.Tracks) != 1 ||
				!got.Tracks[0].HasCover || !got.Tracks[0].Uploaded {
				t.Errorf("GET tracks: got %s, want one uploaded track with hasCover true", list.Data)
			}
		})
	}
	entries, _ := os.ReadDir(f.h.TempDir)
	if len(entries) != 0 {
		t.Errorf("upload spool left %d files in TempDir, want none", len(entries))
	}
}

// TestBlockedURLHint: a callback URL refused for its address class says how
// the operator can allow it, and the refusal is logged at info.
func TestBlockedURLHint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs bytes.Buffer
	f.h.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	c := f.client("c")
	musicID, audioID := c.track()
	for _, u := range []string{"http://localhost:9090/", "http://127.0.0.1:9090/", "http://10.1.2.3/hook"} {
		e := c.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": musicID, "audioId": audioID, "callBackUrl": u})
		if e.Code != 422 || !strings.Contains(e.Msg, "is not allowed") || !strings.Contains(e.Msg, "--callback-allow-net") {
			t.Errorf("callBackUrl %s: got %d %q, want 422 naming --callback-allow-net", u, e.Code, e.Msg)
		}
	}
	if got := strings.Count(logs.String(), "level=INFO msg=\"refused a URL in a request"); got != 3 {
		t.Errorf("info log lines = %d, want 3; logs:\n%s", got, logs.String())
	}
}

// syncWriter serializes writes of concurrent handlers.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestBadLinkSays: a link without its signature says where to get a good one.
func TestBadLinkSays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	resp, err := http.Get(f.srv.URL + "/v1/videos/0123456789abcdef0123456789abcdef.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(body), "get a fresh link from record-info") {
		t.Errorf("got %d %q, want 403 saying to get a fresh link from record-info", resp.StatusCode, body)
	}
}
