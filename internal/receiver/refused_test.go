package receiver_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/webhook"
)

// TestRefusalsLogged: every callback the signature check refuses is logged
// with its status and reason, so the receiver's operator sees a wrong secret.
func TestRefusalsLogged(t *testing.T) {
	t.Parallel()
	other, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s := newSetup(t, nil)
	body := callback(500, "failed", "t1", nil)
	if status, _ := s.post(t, other, "msg_1", "t1", body); status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: status = %d, want 401", status)
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req) // unsigned
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status, _ := s.post(t, s.secret, "msg_2", "t1", body); status != http.StatusOK {
		t.Fatalf("right secret: status = %d, want 200", status)
	}
	s.rcv.Wait()
	logs := s.logs.String()
	if got := strings.Count(logs, "refused with 401: webhook:"); got != 2 {
		t.Errorf("refusal log lines = %d, want 2 (wrong secret, unsigned); logs:\n%s", got, logs)
	}
	if !strings.Contains(logs, "current webhookSecret") {
		t.Errorf("logs do not say what to check:\n%s", logs)
	}
	if strings.Contains(logs, s.secret) || strings.Contains(logs, other) {
		t.Errorf("a secret reached the log:\n%s", logs)
	}
}

// TestDuplicateOfDeletedVideo: a repeated callback whose saved video was
// deleted downloads it again; one whose video is present stays a duplicate.
func TestDuplicateOfDeletedVideo(t *testing.T) {
	t.Parallel()
	vs := newVideoServer(t, fakeVideo(20_000), nil)
	s := newSetup(t, nil)
	body := success("t1", vs.link("t1", 0))
	for i, step := range []struct {
		name         string
		before       func()
		wantRequests int64
	}{
		{"first delivery", func() {}, 1},
		{"redelivery, video present", func() {}, 1},
		{"redelivery, video deleted", func() {
			if err := os.Remove(filepath.Join(s.dir, "music_video_t1.mp4")); err != nil {
				t.Fatal(err)
			}
		}, 2},
	} {
		step.before()
		if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
			t.Fatalf("%s (%d): status = %d, want 200", step.name, i, status)
		}
		s.rcv.Wait()
		if got := vs.requests.Load(); got != step.wantRequests {
			t.Errorf("%s: video requests = %d, want %d", step.name, got, step.wantRequests)
		}
	}
	s.checkSaved(t, "t1", vs.video)
	if !strings.Contains(s.logs.String(), "is gone: downloading it again") {
		t.Errorf("logs do not say the video is fetched again:\n%s", s.logs)
	}
}
