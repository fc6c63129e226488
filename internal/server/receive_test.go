package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mvreceiver "github.com/mvgen/mvgen/internal/receiver"
)

// TestReceiveAgainstServe: `mvgen receive`'s engine gets a real callback
// from the service, verifies it, and saves the video; a redelivery (same
// webhook-id) is recognised as a duplicate.
func TestReceiveAgainstServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, serverConfig(dir))
	c := newClient(t, srv.Store(), srv.URL())
	out := filepath.Join(dir, "videos")
	os.MkdirAll(out, 0o755)
	rcv := &mvreceiver.Receiver{Secrets: []string{c.secret}, Dir: out, RetryDelay: 50 * time.Millisecond}
	hooks := httptest.NewServer(rcv.Handler())
	defer hooks.Close()

	audio := makeAudio(t, t.TempDir(), "a.mp3", 3)
	m, a := c.upload(audio, "", "received")
	id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": hooks.URL + "/"})
	video := filepath.Join(out, "music_video_"+id+".mp4")
	waitFile(t, video)
	b, err := os.ReadFile(video)
	if err != nil {
		t.Fatal(err)
	}
	checkVideo(t, b, audio)
	var rec struct {
		WebhookID     string    `json:"webhookId"`
		LinkExpiresAt time.Time `json:"linkExpiresAt"`
	}
	sidecar, _ := os.ReadFile(filepath.Join(out, "music_video_"+id+".json"))
	if err := json.Unmarshal(sidecar, &rec); err != nil || time.Until(rec.LinkExpiresAt) < 13*24*time.Hour {
		t.Errorf("sidecar %s: want the link's expiry 14 days out", sidecar)
	}

	e := c.postJSON("/api/v1/mp4/callbacks/redeliver", map[string]any{"taskId": id})
	if e.Code != 200 || !strings.Contains(string(e.Data), rec.WebhookID) || !strings.Contains(string(e.Data), `"delivery":2`) {
		t.Fatalf("redeliver: %d %s %s", e.Code, e.Msg, e.Data)
	}
	var log struct {
		Attempts []struct {
			Delivery int  `json:"delivery"`
			Status   *int `json:"status"`
		} `json:"attempts"`
	}
	for deadline := time.Now().Add(30 * time.Second); len(log.Attempts) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("redelivery not attempted: %+v", log)
		}
		json.Unmarshal(c.do(http.MethodGet, "/api/v1/mp4/callbacks?taskId="+id, "", nil).Data, &log)
	}
	if a := log.Attempts[1]; a.Delivery != 2 || a.Status == nil || *a.Status != 200 {
		t.Errorf("redelivery attempt = %+v, want delivery 2 answered 200", a)
	}
	rcv.Wait()
	entries, _ := os.ReadDir(out)
	var mp4s int
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".mp4") {
			mp4s++
		}
	}
	if mp4s != 1 {
		t.Errorf("%d videos in the receiver's directory, want 1", mp4s)
	}

	for _, tc := range []struct {
		body any
		want int
	}{
		{map[string]any{}, 422},
		{map[string]any{"taskId": "nope"}, 404},
	} {
		if e := c.postJSON("/api/v1/mp4/callbacks/redeliver", tc.body); e.Code != tc.want {
			t.Errorf("redeliver %v: %d %s, want %d", tc.body, e.Code, e.Msg, tc.want)
		}
	}
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
	}
}
