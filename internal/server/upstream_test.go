package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/upstream"
	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

// TestUpstreamSong is contract §6.1 end to end: a song made on a hosted
// Suno API (a fake speaking its documented format, serving real audio and a
// real cover) becomes a video by its hosted taskId and audioId, with the
// callback; a second generate makes no second lookup; an upstream link that
// expired before the render is looked up again once; the upstream key is in
// no log.
func TestUpstreamSong(t *testing.T) {
	const upstreamKey = "sk-hosted-4be1d7c2a9"
	fake, err := upstreamtest.Start(t.TempDir(), upstreamKey, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	logs := &syncBuffer{}
	cfg := serverConfig(t.TempDir())
	cfg.UpstreamURL = fake.URL
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	k := keyOf(t, srv, t.Name())
	if err := srv.Store().SetUpstreamKey(context.Background(), k.ID, upstreamKey); err != nil {
		t.Fatal(err)
	}
	k = keyOf(t, srv, t.Name())
	rcv := newReceiver(t)
	audioPath := filepath.Join(t.TempDir(), "upstream.mp3")
	os.WriteFile(audioPath, fake.Audio(), 0o600)

	musicID, audioIDs := fake.AddTask("SUCCESS", "Morning", "Evening")
	body := map[string]any{"taskId": musicID, "audioId": audioIDs[1], "callBackUrl": rcv.URL + "/hook",
		"author": "Ada", "domainName": "example.com"}
	id := c.generate(body)
	cb := rcv.next(t, 2*time.Minute)
	var ev struct {
		Code int `json:"code"`
		Data struct {
			TaskID   string  `json:"task_id"`
			VideoURL *string `json:"video_url"`
		} `json:"data"`
	}
	if err := json.Unmarshal(cb.body, &ev); err != nil || ev.Code != 200 || ev.Data.TaskID != id || ev.Data.VideoURL == nil {
		t.Fatalf("callback = %s (%v)", cb.body, err)
	}
	checkVideo(t, download(t, *ev.Data.VideoURL, filepath.Join(t.TempDir(), "v.mp4")), audioPath)
	if got := fake.Lookups(); got != 1 {
		t.Errorf("upstream lookups after one generate = %d, want 1", got)
	}

	// The same track again: from the catalogue, no second lookup.
	again := c.generate(body)
	if r := c.waitDone(again, time.Minute); r.SuccessFlag != "SUCCESS" {
		t.Errorf("second generate: %+v", r)
	}
	if got := fake.Lookups(); got != 1 {
		t.Errorf("upstream lookups after a second generate = %d, want 1", got)
	}

	// A link that expired between generate and render: looked up again
	// once, rendered from the fresh link. One that stays dead: looked up
	// again once, then the task fails with 451.
	lookup := &upstream.Lookup{Client: &upstream.Client{BaseURL: fake.URL}, Store: srv.Store()}
	for _, tc := range []struct {
		name    string
		expire  func(musicID, audioID string)
		want    string
		code    int
		message string
	}{
		{"expired once", fake.Expire, "SUCCESS", 0, ""},
		{"expired for good", fake.ExpireForGood, "CREATE_TASK_FAILED", 451, "Source audio file download failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			musicID, audioIDs := fake.AddTask("SUCCESS", tc.name)
			if _, err := lookup.Import(context.Background(), k, musicID, audioIDs[0]); err != nil {
				t.Fatalf("Import: %v", err)
			}
			tc.expire(musicID, audioIDs[0])
			before := fake.Lookups()
			r := c.waitDone(c.generate(map[string]any{"taskId": musicID, "audioId": audioIDs[0]}), time.Minute)
			if r.SuccessFlag != tc.want || (tc.code != 0 && (r.ErrorCode == nil || *r.ErrorCode != tc.code ||
				!strings.Contains(*r.ErrorMessage, tc.message))) {
				t.Errorf("record = %+v (error %v), want %s %d %q", r, deref(r.ErrorMessage), tc.want, tc.code, tc.message)
			}
			if got := fake.Lookups() - before; got != 1 {
				t.Errorf("upstream lookups during the render = %d, want 1", got)
			}
		})
	}
	srv.stop(t)
	if strings.Contains(logs.String(), upstreamKey) {
		t.Errorf("the service's log contains the upstream key")
	}
	if !strings.Contains(logs.String(), "upstream audio link expired") {
		t.Errorf("the service's log does not mention the expired link:\n%s", logs)
	}
}

// keyOf finds a client's key by name (newClient names keys after the test).
func keyOf(t *testing.T, srv *running, name string) *mvgen.Key {
	t.Helper()
	keys, err := srv.Store().Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no key named %q", name)
	return nil
}

// syncBuffer is a log destination that goroutines share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
