package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/blob/s3/s3test"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestEndToEnd is the core chain: upload → generate → signed callback →
// record-info → download (full and ranged) → ffprobe.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	endToEnd(t, dir, serverConfig(dir))
}

// TestEndToEndPostgres is the same chain on PostgreSQL.
func TestEndToEndPostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := serverConfig(dir)
	cfg.DB = pgtest.DSN(t)
	endToEnd(t, dir, cfg)
}

// TestEndToEndScaleOut is the same chain on PostgreSQL and S3-compatible
// storage (versitygw): links redirect to presigned URLs, ranges included.
func TestEndToEndScaleOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := serverConfig(dir)
	cfg.DB, cfg.Blob = pgtest.DSN(t), s3test.URL(t)
	endToEnd(t, dir, cfg)
}

func endToEnd(t *testing.T, dir string, cfg server.Config) {
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	rcv := newReceiver(t)

	audio := makeAudio(t, t.TempDir(), "track.mp3", 5)
	cover := writePNG(t, t.TempDir())
	musicID, audioID := c.upload(audio, cover, `Title "with" 'quotes': 100% \ done`)

	submitted := time.Now()
	id := c.generate(map[string]any{"taskId": musicID, "audioId": audioID, "callBackUrl": rcv.URL + "/hook",
		"author": "周杰倫", "domainName": "example.com", "someFutureField": 1})
	if r, _ := c.record(id); r.SuccessFlag != "PENDING" && r.SuccessFlag != "SUCCESS" {
		t.Errorf("fresh task successFlag = %s, want PENDING", r.SuccessFlag)
	}

	cb := rcv.next(t, 2*time.Minute)
	t.Logf("submit to callback: %v", cb.at.Sub(submitted))
	verifySignatures(t, cb, c.secret, id)
	var ev struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			TaskID   string  `json:"task_id"`
			VideoURL *string `json:"video_url"`
		} `json:"data"`
	}
	if err := json.Unmarshal(cb.body, &ev); err != nil {
		t.Fatalf("callback body %s: %v", cb.body, err)
	}
	if ev.Code != 200 || ev.Msg != "MP4 generated successfully." || ev.Data.TaskID != id || ev.Data.VideoURL == nil {
		t.Fatalf("callback body = %s", cb.body)
	}

	r := c.waitDone(id, 10*time.Second)
	if r.SuccessFlag != "SUCCESS" || r.Progress != 100 || r.Response.VideoURL == nil || r.ErrorCode != nil || r.CompleteTime == nil {
		t.Errorf("record-info after success = %+v", r)
	}
	// The attempt is logged once the receiver's answer is in.
	for deadline := time.Now().Add(5 * time.Second); r.Callback.Attempts == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		r, _ = c.record(id)
	}
	if r.Callback.Attempts != 1 || r.Callback.LastStatus == nil || *r.Callback.LastStatus != 200 {
		t.Errorf("delivery summary = %+v, want 1 attempt, last status 200", r.Callback)
	}

	video := download(t, *ev.Data.VideoURL, filepath.Join(dir, "out.mp4"))
	checkVideo(t, video, audio)
	checkRange(t, *ev.Data.VideoURL, video)
	checkLinks(t, srv, id, *ev.Data.VideoURL)
	checkPoster(t, c, id, 1280, 720) // lyrics_test.go; on S3 through the presigned redirect
}

func serverConfig(dir string) server.Config {
	return server.Config{DataDir: filepath.Join(dir, "data")}
}

// verifySignatures checks both schemes with the contract's formulas (§5),
// written out here rather than through the webhook package.
func verifySignatures(t *testing.T, cb callback, secret, taskID string) {
	t.Helper()
	h := cb.header
	ts := h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-sec)) > 60 {
		t.Errorf("webhook-timestamp = %q, want now", ts)
	}
	if !strings.HasPrefix(h.Get("webhook-id"), "msg_") {
		t.Errorf("webhook-id = %q", h.Get("webhook-id"))
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + ts + "." + string(cb.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got := h.Get("webhook-signature"); !strings.Contains(" "+got+" ", " "+want+" ") {
		t.Errorf("webhook-signature = %q, want it to contain %q", got, want)
	}

	mac = hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(taskID + "." + h.Get("X-Webhook-Timestamp")))
	if got, want := h.Get("X-Webhook-Signature"), base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("X-Webhook-Signature = %q, want %q", got, want)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func download(t *testing.T, u, path string) []byte {
	t.Helper()
	resp, err := apitest.Client(t, u).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("GET video: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return body
}

// checkVideo: H.264 + audio, duration equal to the track's within a frame.
func checkVideo(t *testing.T, video []byte, audio string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.mp4")
	os.WriteFile(path, video, 0o600)
	p, src := ffprobe(t, path), ffprobe(t, audio)
	var h264, hasAudio bool
	for _, s := range p.Streams {
		h264 = h264 || (s.CodecType == "video" && s.CodecName == "h264" && s.Width == 1280 && s.Height == 720)
		hasAudio = hasAudio || s.CodecType == "audio"
	}
	if !h264 || !hasAudio {
		t.Errorf("streams = %+v, want h264 1280x720 and audio", p.Streams)
	}
	if d := math.Abs(p.duration() - src.duration()); d > 1.0/30 {
		t.Errorf("video lasts %.3fs, track %.3fs: %.3fs apart, want within one frame", p.duration(), src.duration(), d)
	}
}

func checkRange(t *testing.T, u string, full []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Range", "bytes=100-199")
	resp, err := apitest.Client(t, u).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(part) != string(full[100:200]) {
		t.Errorf("range request: %s, %d bytes; want 206 with bytes 100-199", resp.Status, len(part))
	}
	resp, err = apitest.Client(t, u).Head(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(full)) || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("HEAD: %s length %d ranges %q", resp.Status, resp.ContentLength, resp.Header.Get("Accept-Ranges"))
	}
}

// checkLinks: an altered link is 403, an expired one 410 (contract §7).
func checkLinks(t *testing.T, srv *running, id, good string) {
	t.Helper()
	base := srv.URL()
	key, err := srv.Store().Secret(context.Background(), "link-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &link.Signer{Key: key, BaseURL: base}
	u, _ := url.Parse(good)
	q := u.Query()
	q.Set("expires", strconv.FormatInt(time.Now().Add(30*24*time.Hour).Unix(), 10))
	u.RawQuery = q.Encode()
	for _, tc := range []struct {
		name string
		url  string
		want int
	}{
		{"altered expiry", u.String(), 403},
		{"other task", strings.Replace(good, id, otherID(id), 1), 403},
		{"expired", s.URL(id, time.Now().Add(-time.Minute)), 410},
		{"no signature", base + "/v1/videos/" + id + ".mp4", 403},
	} {
		resp, err := apitest.Client(t, base).Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: GET = %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

// otherID returns a different id of the same shape.
func otherID(id string) string {
	if id[0] == '0' {
		return "1" + id[1:]
	}
	return "0" + id[1:]
}

func writePNG(t *testing.T, dir string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 320))
	for y := 0; y < 320; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	path := filepath.Join(dir, "cover.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}
