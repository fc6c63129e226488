package receiver_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/receiver"
	"github.com/mvgen/mvgen/webhook"
)

// postReplay sends body under the legacy headers captured from a genuine
// callback of task (signed over task_id and timestamp only) with a new
// webhook-id, as the issue 11 replay did.
func (s *setup) postReplay(t *testing.T, captured http.Header, msgID string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL, bytes.NewReader(body))
	for _, h := range []string{webhook.HeaderLegacyTimestamp, webhook.HeaderLegacySignature} {
		req.Header.Set(h, captured.Get(h))
	}
	req.Header.Set(webhook.HeaderID, msgID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestReplayDoesNotReplace replays a captured legacy callback with a new
// webhook-id and another video (issue 11, defect 4): the saved video and
// its record stay, unless Replace is set.
func TestReplayDoesNotReplace(t *testing.T) {
	t.Parallel()
	for _, replace := range []bool{false, true} {
		genuine, other := fakeVideo(5_000), fakeVideo(7_000)
		vs := newVideoServer(t, genuine, func(_ int64, w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.Path, "evil") {
				http.ServeContent(w, r, "v.mp4", time.Time{}, bytes.NewReader(other))
				return true
			}
			return false
		})
		s := newSetup(t, func(r *receiver.Receiver) {
			r.Legacy, r.VideoOrigins, r.Replace = true, []string{vs.URL}, replace
		})
		body := success("t1", vs.link("t1", 0))
		captured := http.Header{}
		if err := webhook.SetHeaders(captured, "msg_1", "t1", time.Now(), body, s.secret); err != nil {
			t.Fatal(err)
		}
		if status := s.postReplay(t, captured, "msg_1", body); status != http.StatusOK {
			t.Fatalf("genuine callback: status %d, want 200", status)
		}
		s.rcv.Wait()
		saved := s.checkSaved(t, "t1", genuine)

		replayed := success("t1", vs.URL+"/evil/v1/videos/t1.mp4") // names t1: see TestLinkNamesTask
		if status := s.postReplay(t, captured, "msg_2", replayed); status != http.StatusOK {
			t.Fatalf("replace=%v: replay: status %d, want 200", replace, status)
		}
		s.rcv.Wait()
		failure := callback(500, "Internal error", "t1", nil)
		if status := s.postReplay(t, captured, "msg_3", failure); status != http.StatusOK {
			t.Fatalf("replace=%v: replayed failure: status %d, want 200", replace, status)
		}
		s.rcv.Wait()
		if replace {
			if rec := s.readRecord(t, "t1"); rec.Code != 500 {
				t.Errorf("replace=true: record code %d, want 500 (the later callback)", rec.Code)
			}
			continue
		}
		if rec := s.checkSaved(t, "t1", genuine); rec != saved {
			t.Errorf("record changed from %+v to %+v", saved, rec)
		}
		if !strings.Contains(s.logs.String(), "a later callback does not replace it") {
			t.Errorf("no log line about the ignored callback; logs:\n%s", s.logs)
		}
	}
}

// TestLinkNamesTask: video_url must be a link to the video of the
// callback's task, as mvgen's links are (internal/link), with or without
// --legacy. Otherwise the callback is refused with 400 and logged with
// what to do, and nothing is downloaded or written. Under --legacy, whose
// signature covers the task id and not the body, a captured callback
// replayed with another task's genuine link would otherwise save that
// task's video as this one's.
func TestLinkNamesTask(t *testing.T) {
	t.Parallel()
	vs := newVideoServer(t, fakeVideo(3_000), nil)
	signer := &link.Signer{Key: link.NewKey(), BaseURL: vs.URL + "/mvgen/"} // --public-url with a path
	tests := []struct {
		name string
		task string
		url  string
		ok   bool
	}{
		{"mvgen link", "t1", signer.URL("t1", time.Unix(1797000000, 0)), true},
		{"mvgen link, every allowed character", "aZ_09-x", signer.URL("aZ_09-x", time.Unix(1797000000, 0)), true},
		{"link without a prefix", "t1", vs.link("t1", 0), true},
		{"another task's link", "t1", signer.URL("t2", time.Unix(1797000000, 0)), false},
		{"another task's, case", "t1", vs.link("T1", 0), false},
		{"not a video link", "t1", vs.URL + "/v1/posters/t1.jpg", false},
		{"task id elsewhere", "t1", vs.URL + "/t1/v1/videos/t2.mp4?task=t1", false},
		{"task id as a prefix", "t1", vs.link("t1x", 0), false},
		{"trailing slash", "t1", vs.URL + "/v1/videos/t1.mp4/", false},
		{"dot segments", "t1", vs.URL + "/v1/videos/t2.mp4/../../videos/t1.mp4", false},
		{"escaped dot segments", "t1", vs.URL + "/v1/videos/t2.mp4/%2e%2E/t1.mp4", false},
		{"escaped slash", "t1", vs.URL + "/v1%2Fvideos/t1.mp4", false},
		{"escaped task id", "t1", vs.URL + "/v1/videos/%74%31.mp4", false},
		{"no path", "t1", vs.URL + "?v1/videos/t1.mp4", false},
	}
	for _, legacy := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name + ", legacy=" + strconv.FormatBool(legacy)
			before := vs.requests.Load()
			s := newSetup(t, func(r *receiver.Receiver) {
				r.Legacy = legacy
				if legacy {
					r.VideoOrigins = []string{vs.URL}
				}
			})
			body := success(tt.task, tt.url)
			var status int
			if legacy { // a replay: the headers captured from the genuine callback, any body
				captured := http.Header{}
				if err := webhook.SetHeaders(captured, "msg_1", tt.task, time.Now(), success(tt.task, vs.link(tt.task, 0)), s.secret); err != nil {
					t.Fatal(err)
				}
				status = s.postReplay(t, captured, "msg_1", body)
			} else {
				status, _ = s.post(t, s.secret, "msg_1", tt.task, body)
			}
			s.rcv.Wait()
			if tt.ok {
				if status != http.StatusOK {
					t.Errorf("%s: status %d, want 200; logs:\n%s", name, status, s.logs)
					continue
				}
				s.checkSaved(t, tt.task, vs.video)
				continue
			}
			if status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", name, status)
			}
			if got := vs.requests.Load() - before; got != 0 {
				t.Errorf("%s: %d video requests, want none", name, got)
			}
			if got := files(t, s.dir); len(got) != 0 {
				t.Errorf("%s: files %q, want none (nor the origin pinned)", name, got)
			}
			logs := s.logs.String()
			hint := "check that the sender is an mvgen server"
			if legacy {
				hint = "replayed with another task's link"
			}
			for _, want := range []string{"callback for task " + tt.task + " refused with 400, nothing downloaded", "record-info", hint} {
				if !strings.Contains(logs, want) {
					t.Errorf("%s: logs lack %q:\n%s", name, want, logs)
				}
			}
			if strings.Contains(logs, "sig=") {
				t.Errorf("%s: logs show the link's signature:\n%s", name, logs)
			}
		}
	}
}

// TestVideoOrigin: video_url must point at a configured origin, or at the
// first callback's origin, kept across restarts.
func TestVideoOrigin(t *testing.T) {
	t.Parallel()
	a, b := newVideoServer(t, fakeVideo(1_000), nil), newVideoServer(t, fakeVideo(2_000), nil)

	s := newSetup(t, func(r *receiver.Receiver) { r.VideoOrigins = []string{a.URL + "/"} })
	if status, answer := s.post(t, s.secret, "msg_1", "t1", success("t1", b.link("t1", 0))); status != http.StatusBadRequest ||
		!strings.Contains(answer, "not a --video-origin") {
		t.Errorf("configured origin, link elsewhere: got %d %s, want 400 naming --video-origin", status, answer)
	}
	if status, _ := s.post(t, s.secret, "msg_2", "t2", success("t2", a.link("t2", 0))); status != http.StatusOK {
		t.Errorf("configured origin: got %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t2", a.video)
	if _, err := os.Stat(filepath.Join(s.dir, "music_video_t1.json")); err == nil {
		t.Error("a refused callback left a record")
	}

	// None configured: the first callback's origin is pinned, also for the
	// next process on the same folder.
	p := newSetup(t, nil)
	if status, _ := p.post(t, p.secret, "msg_1", "t1", success("t1", a.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("first callback: got %d, want 200", status)
	}
	p.rcv.Wait()
	for _, restart := range []bool{false, true} {
		if restart {
			p.start(t, nil)
		}
		if status, answer := p.post(t, p.secret, "msg_2", "t2", success("t2", b.link("t2", 0))); status != http.StatusBadRequest ||
			!strings.Contains(answer, "first callback's origin") {
			t.Errorf("restart=%v: link to another origin: got %d %s, want 400", restart, status, answer)
		}
		id := "t3"
		if restart {
			id = "t4"
		}
		if status, _ := p.post(t, p.secret, "msg_"+id, id, success(id, a.link(id, 0))); status != http.StatusOK {
			t.Errorf("restart=%v: link to the pinned origin: got %d, want 200", restart, status)
		}
		p.rcv.Wait()
		p.checkSaved(t, id, a.video)
	}
}

// TestValidateReceiver covers the settings Validate refuses.
func TestValidateReceiver(t *testing.T) {
	t.Parallel()
	secret, _ := webhook.NewSecret()
	tests := []struct {
		name string
		r    *receiver.Receiver
		want string // substring of the error; "" for none
	}{
		{"standard, no origin", &receiver.Receiver{Secrets: []string{secret}}, ""},
		{"legacy, no origin", &receiver.Receiver{Secrets: []string{secret}, Legacy: true}, "needs VideoOrigins"},
		{"legacy with origin", &receiver.Receiver{Secrets: []string{secret}, Legacy: true, VideoOrigins: []string{"https://a.example"}}, ""},
		{"origin with a path", &receiver.Receiver{Secrets: []string{secret}, VideoOrigins: []string{"https://a.example/v1"}}, "not an origin"},
		{"origin without scheme", &receiver.Receiver{Secrets: []string{secret}, VideoOrigins: []string{"a.example"}}, "not an origin"},
		{"redirect origin ftp", &receiver.Receiver{Secrets: []string{secret}, RedirectOrigins: []string{"ftp://a.example"}}, "not an origin"},
		{"negative MaxBytes", &receiver.Receiver{Secrets: []string{secret}, MaxBytes: -1}, "MaxBytes"},
	}
	for _, tt := range tests {
		err := tt.r.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestDownloadLimits: redirects only to allowed origins, a size cap and
// the SSRF guard.
func TestDownloadLimits(t *testing.T) {
	t.Parallel()
	video := fakeVideo(5_000)
	s3 := newVideoServer(t, video, nil) // stands for the presigned S3 URL's host
	redirecting := func(to string) *videoServer {
		return newVideoServer(t, video, func(_ int64, w http.ResponseWriter, r *http.Request) bool {
			if strings.HasPrefix(r.URL.Path, "/v1/") {
				http.Redirect(w, r, to+"/bucket/video.mp4?X-Amz-Signature=x", http.StatusTemporaryRedirect)
				return true
			}
			return false
		})
	}
	tests := []struct {
		name      string
		vs        *videoServer
		configure func(vs *videoServer, r *receiver.Receiver)
		wantErr   string // substring of the record's error; "" for a saved video
		s3Hits    int64
	}{
		{"redirect to an unlisted origin", redirecting(s3.URL), nil, "redirect refused", 0},
		{"redirect to a RedirectOrigin", redirecting(s3.URL),
			func(_ *videoServer, r *receiver.Receiver) { r.RedirectOrigins = []string{s3.URL} }, "", 1},
		{"over MaxBytes", newVideoServer(t, video, nil),
			func(_ *videoServer, r *receiver.Receiver) { r.MaxBytes = 4_999 }, "over the 5.0 kB limit", 0},
		{"over MaxBytes without a length", newVideoServer(t, video, func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
			w.Write(video[:100])
			w.(http.Flusher).Flush() // chunked: no Content-Length
			w.Write(video[100:])
			return true
		}), func(_ *videoServer, r *receiver.Receiver) { r.MaxBytes = 1_000 }, "over the 1.0 kB limit", 0},
		{"at MaxBytes", newVideoServer(t, video, nil),
			func(_ *videoServer, r *receiver.Receiver) { r.MaxBytes = 5_000 }, "", 0},
		{"guard refuses loopback", newVideoServer(t, video, nil),
			func(_ *videoServer, r *receiver.Receiver) { r.Guard = &netguard.Guard{} }, "loopback", 0},
	}
	for _, tt := range tests {
		before := s3.requests.Load()
		s := newSetup(t, func(r *receiver.Receiver) {
			r.Retries = 2
			if tt.configure != nil {
				tt.configure(tt.vs, r)
			}
		})
		if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", tt.vs.link("t1", 0))); status != http.StatusOK {
			t.Fatalf("%s: status %d, want 200", tt.name, status)
		}
		s.rcv.Wait()
		if tt.wantErr == "" {
			s.checkSaved(t, "t1", video)
		} else if rec := s.readRecord(t, "t1"); !strings.Contains(rec.Error, tt.wantErr) {
			t.Errorf("%s: record error %q, want it to contain %q", tt.name, rec.Error, tt.wantErr)
		} else if strings.Contains(rec.Error, "X-Amz-Signature") {
			t.Errorf("%s: record error %q shows the presigned URL", tt.name, rec.Error)
		}
		if got := s3.requests.Load() - before; got != tt.s3Hits {
			t.Errorf("%s: S3 requests %d, want %d", tt.name, got, tt.s3Hits)
		}
		if tt.wantErr != "" && strings.Contains(s.logs.String(), "attempt 2/") {
			t.Errorf("%s: retried a permanent failure; logs:\n%s", tt.name, s.logs)
		}
	}
}
