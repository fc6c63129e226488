package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render"
)

// TestAnswersNameTheFix: the mistakes issue 23 saw newcomers make are
// answered with what to do instead.
func TestAnswersNameTheFix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")

	t.Run("a raw body sent to the upload route", func(t *testing.T) {
		// curl --data-binary @song.mp3: 100 KiB of audio, no multipart.
		e := c.do(http.MethodPost, "/api/v1/tracks", "application/octet-stream", bytes.NewReader(make([]byte, 100<<10)))
		if e.Code != 413 || !strings.Contains(e.Msg, "multipart/form-data") || !strings.Contains(e.Msg, "curl -F audio=@FILE") {
			t.Errorf("got %d %q, want 413 naming a multipart upload (curl -F audio=@FILE)", e.Code, e.Msg)
		}
		e = c.do(http.MethodPost, "/api/v1/tracks", "application/json", strings.NewReader("ID3\x03\x00 not json"))
		if e.Code != 400 || !strings.Contains(e.Msg, "curl -F audio=@FILE") {
			t.Errorf("audio bytes sent as JSON: got %d %q, want 400 naming a multipart upload", e.Code, e.Msg)
		}
	})

	t.Run("invalid UTF-8 in JSON", func(t *testing.T) {
		musicID, audioID := c.track()
		e := c.postJSON("/api/v1/mp4/generate", `{"taskId":"`+musicID+`","audioId":"`+audioID+`","author":"Jos`+"\xe9"+`"}`)
		if e.Code != 422 || !strings.Contains(e.Msg, "not valid UTF-8 (at byte") {
			t.Errorf("generate: got %d %q, want 422 naming invalid UTF-8", e.Code, e.Msg)
		}
		e = c.postJSON("/api/v1/tracks", `{"audioUrl":"https://example.com/a.mp3","title":"Jos`+"\xe9"+`"}`)
		if e.Code != 422 || !strings.Contains(e.Msg, "not valid UTF-8") {
			t.Errorf("tracks: got %d %q, want 422 naming invalid UTF-8", e.Code, e.Msg)
		}
	})

	t.Run("a webhook secret sent as the API key", func(t *testing.T) {
		w := &client{t: t, base: c.base, token: "whsec_dGVzdA=="}
		e := w.do(http.MethodGet, "/api/v1/mp4/tasks", "", nil)
		if e.Code != 401 || !strings.Contains(e.Msg, "webhook secret") || !strings.Contains(e.Msg, "mvk_") {
			t.Errorf("got %d %q, want 401 saying it is the webhook secret", e.Code, e.Msg)
		}
		w.token = "mvk_nosuchkey"
		if e := w.do(http.MethodGet, "/api/v1/mp4/tasks", "", nil); e.Code != 401 || e.Msg != "unknown API key" {
			t.Errorf("an unknown key: got %d %q, want 401 unknown API key", e.Code, e.Msg)
		}
	})

	t.Run("a callback that cannot arrive", func(t *testing.T) {
		musicID, audioID := c.track()
		id := c.generate(map[string]any{"taskId": musicID, "audioId": audioID})
		problem := func() *string {
			e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
			var d struct{ Callback struct{ Problem *string } }
			if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil {
				t.Fatalf("record-info: %d %s", e.Code, e.Msg)
			}
			return d.Callback.Problem
		}
		if p := problem(); p != nil {
			t.Errorf("before any attempt: problem %q, want null", *p)
		}
		for i, tc := range []struct {
			attempt mvgen.Attempt
			want    string // "" for no problem
		}{
			{mvgen.Attempt{StatusCode: 503}, ""},
			{mvgen.Attempt{Error: "timeout: no answer within 15s"}, ""},
			{mvgen.Attempt{Error: delivery.ErrTextNoSuchHost}, "the callback cannot arrive until this is fixed: DNS: the receiver's host name does not exist"},
			{mvgen.Attempt{StatusCode: 200}, ""},
		} {
			a := tc.attempt
			a.TaskID, a.Delivery, a.Attempt, a.At = id, 1, i+1, time.Now()
			if err := f.db.AddAttempt(context.Background(), &a); err != nil {
				t.Fatal(err)
			}
			switch p := problem(); {
			case tc.want == "" && p != nil:
				t.Errorf("after %+v: problem %q, want null", tc.attempt, *p)
			case tc.want != "" && (p == nil || !strings.HasPrefix(*p, tc.want) || !strings.Contains(*p, "redeliver")):
				t.Errorf("after %+v: problem %v, want it to start %q and name redeliver", tc.attempt, p, tc.want)
			}
		}
	})

	t.Run("the link of a task still pending", func(t *testing.T) {
		musicID, audioID := c.track()
		id := c.generate(map[string]any{"taskId": musicID, "audioId": audioID}) // nothing renders here
		for _, tc := range []struct {
			url    string
			status int
			want   string
		}{
			{f.srv.URL + "/v1/videos/" + id + ".mp4", 404, "the video is not ready yet"},
			{f.srv.URL + "/v1/videos/" + id + ".mp4?expires=9999999999&sig=forged", 404, "the video is not ready yet"},
			{f.srv.URL + "/v1/videos/nosuchtask.mp4?expires=9999999999&sig=forged", 403, "invalid link signature"},
		} {
			resp, err := http.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("GET %s: got %d %q, want %d %q", tc.url, resp.StatusCode, body, tc.status, tc.want)
			}
		}
	})
}

// TestCoverCheckedAtUpload: a cover the render would refuse for its size
// answers 400 at upload (it used to be accepted, and its video failed).
func TestCoverCheckedAtUpload(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required (make deps installs it): %v", err)
	}
	t.Parallel()
	f := newFixture(t)
	f.h.Sources, f.h.TempDir = &render.Renderer{}, t.TempDir()
	c := f.client("c")
	dir := t.TempDir()
	song := filepath.Join(dir, "song.mp3")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", song).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	huge := filepath.Join(dir, "huge.png")
	if err := os.WriteFile(huge, pngHeader(16000, 16000), 0o600); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.png")
	if err := os.WriteFile(small, pngHeader(600, 600), 0o600); err != nil {
		t.Fatal(err)
	}
	e := c.upload([][2]string{{"audio", "@" + song}, {"cover", "@" + huge}})
	if e.Code != 400 || !strings.Contains(e.Msg, "cover: cover image is 16000×16000 pixels") {
		t.Errorf("a 16000×16000 cover: got %d %q, want 400 naming its size", e.Code, e.Msg)
	}
	if e := c.upload([][2]string{{"audio", "@" + song}, {"cover", "@" + small}}); e.Code != 200 {
		t.Errorf("a 600×600 cover: got %d %q, want 200", e.Code, e.Msg)
	}
	left, _ := filepath.Glob(filepath.Join(f.h.TempDir, "*"))
	if len(left) > 0 {
		t.Errorf("spool files left: %v", left)
	}
}

// pngHeader is the start of a PNG of w×h pixels: its signature and IHDR,
// all a header check reads.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}
