package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestCallbackRetries: a receiver that fails is retried on the schedule with
// one webhook-id; after the last attempt the task is CALLBACK_EXCEPTION and
// the video stays available; 410 stops at once.
func TestCallbackRetries(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverConfig(t.TempDir())) // schedule: 100ms, 200ms → 3 attempts
	c := newClient(t, srv.Store(), srv.URL())
	m, a := c.upload(makeAudio(t, t.TempDir(), "a.mp3", 2), "", "retry")

	flaky := newReceiver(t, 503, 500)
	down := newReceiver(t, 500, 500, 500, 500)
	gone := newReceiver(t, 410)
	flakyID := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": flaky.URL})
	downID := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": down.URL, "author": "x"})
	goneID := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": gone.URL, "author": "y"})

	ids := map[string]bool{}
	for range 3 {
		cb := flaky.next(t, time.Minute)
		ids[cb.header.Get("webhook-id")] = true
		verifySignatures(t, cb, c.secret, flakyID)
	}
	if len(ids) != 1 {
		t.Errorf("attempts carried %d webhook-ids, want 1", len(ids))
	}
	for range 3 {
		down.next(t, time.Minute)
	}
	gone.next(t, time.Minute)

	waitFlag := func(id, want string) record {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			r, _ := c.record(id)
			if r.SuccessFlag == want && r.Callback.Attempts > 0 {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("task %s: successFlag %s after 30s, want %s", id, r.SuccessFlag, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if r := waitFlag(flakyID, "SUCCESS"); r.Callback.Attempts != 3 || *r.Callback.LastStatus != 200 {
		t.Errorf("flaky receiver: %+v, want 3 attempts ending 200", r.Callback)
	}
	r := waitFlag(downID, "CALLBACK_EXCEPTION")
	if r.Response.VideoURL == nil {
		t.Errorf("CALLBACK_EXCEPTION without a videoUrl; the video must stay available")
	}
	if r := waitFlag(goneID, "CALLBACK_EXCEPTION"); r.Callback.Attempts != 1 {
		t.Errorf("410: %d attempts, want 1", r.Callback.Attempts)
	}
	time.Sleep(time.Second)
	select {
	case cb := <-down.calls:
		t.Errorf("an attempt after the last one: %s", cb.body)
	case cb := <-gone.calls:
		t.Errorf("an attempt after 410: %s", cb.body)
	default:
	}

	e := c.do(http.MethodGet, "/api/v1/mp4/callbacks?taskId="+flakyID, "", nil)
	var log struct {
		WebhookID string `json:"webhookId"`
		Attempts  []struct {
			Attempt  int    `json:"attempt"`
			Status   *int   `json:"status"`
			Response string `json:"response"`
		} `json:"attempts"`
	}
	if e.Code != 200 || json.Unmarshal(e.Data, &log) != nil || len(log.Attempts) != 3 {
		t.Fatalf("callbacks log: %d %s", e.Code, e.Data)
	}
	for i, want := range []int{503, 500, 200} {
		if got := log.Attempts[i]; got.Status == nil || *got.Status != want || got.Attempt != i+1 {
			t.Errorf("attempt %d: %+v, want status %d", i+1, got, want)
		}
	}
	if log.Attempts[0].Response != "status 503" {
		t.Errorf("logged response = %q, want the receiver's answer", log.Attempts[0].Response)
	}
}

// TestGracefulShutdown: a render interrupted by shutdown stays queued and
// completes after the restart; nothing accepted is lost.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := serverConfig(dir)
	cfg.ShutdownGrace = 50 * time.Millisecond
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	rcv := newReceiver(t)
	audio := makeAudio(t, t.TempDir(), "long.mp3", 40)
	m, a := c.upload(audio, "", "long")
	id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		r, _ := c.record(id)
		if r.Progress > 0 {
			break
		}
		if r.SuccessFlag != "PENDING" || time.Now().After(deadline) {
			t.Fatalf("no progress seen: %+v", r)
		}
	}
	srv.stop(t)
	if tk, err := srv.Store().Task(context.Background(), "", id); err == nil {
		t.Errorf("store still open after Close: task %v", tk.Status)
	}

	srv = startServer(t, cfg)
	c.base = srv.URL()
	cb := rcv.next(t, 2*time.Minute)
	if taskIDOf(t, cb) != id {
		t.Fatalf("callback for another task: %s", cb.body)
	}
	if r := c.waitDone(id, 10*time.Second); r.SuccessFlag != "SUCCESS" {
		t.Errorf("after restart: %s", r.SuccessFlag)
	}
	checkVideo(t, download(t, mustURL(t, c, id), filepath.Join(dir, "v.mp4")), audio)
}

func mustURL(t *testing.T, c *client, id string) string {
	t.Helper()
	r, _ := c.record(id)
	if r.Response.VideoURL == nil {
		t.Fatalf("no videoUrl for %s", id)
	}
	return *r.Response.VideoURL
}
