package receiver_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/receiver"
	"github.com/mvgen/mvgen/webhook"
)

// fakeVideo returns n bytes that stand for an MP4 file.
func fakeVideo(n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// videoServer serves video at /v/<anything>.mp4 through http.ServeContent.
// Before serving, each request goes through hook (when not nil), which may
// answer itself and return true. It counts requests.
type videoServer struct {
	*httptest.Server
	video    []byte
	requests atomic.Int64
	hook     func(n int64, w http.ResponseWriter, r *http.Request) bool
}

func newVideoServer(t *testing.T, video []byte, hook func(n int64, w http.ResponseWriter, r *http.Request) bool) *videoServer {
	t.Helper()
	vs := &videoServer{video: video, hook: hook}
	vs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := vs.requests.Add(1)
		if vs.hook != nil && vs.hook(n, w, r) {
			return
		}
		http.ServeContent(w, r, "video.mp4", time.Time{}, bytes.NewReader(vs.video))
	}))
	t.Cleanup(vs.Close)
	return vs
}

// link returns a video link for task, with an expires parameter when
// expires is not zero.
func (vs *videoServer) link(task string, expires int64) string {
	u := vs.URL + "/v1/videos/" + task + ".mp4?sig=abc"
	if expires != 0 {
		u += "&expires=" + strconv.FormatInt(expires, 10)
	}
	return u
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// setup is a receiver under test behind a loopback server.
type setup struct {
	rcv    *receiver.Receiver
	srv    *httptest.Server
	dir    string
	secret string
	logs   *logBuffer
}

// newSetup starts a receiver writing to a new folder; configure may adjust
// it before it serves.
func newSetup(t *testing.T, configure func(*receiver.Receiver)) *setup {
	t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s := &setup{dir: filepath.Join(t.TempDir(), "out"), secret: secret, logs: new(logBuffer)}
	s.start(t, configure)
	return s
}

// start (re)starts the receiver on s.dir, as a new process would.
func (s *setup) start(t *testing.T, configure func(*receiver.Receiver)) {
	t.Helper()
	s.rcv = &receiver.Receiver{
		Secrets:    []string{s.secret},
		Dir:        s.dir,
		Logger:     slog.New(slog.NewTextHandler(s.logs, nil)),
		RetryDelay: 10 * time.Millisecond,
	}
	if configure != nil {
		configure(s.rcv)
	}
	if err := s.rcv.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	s.srv = httptest.NewServer(s.rcv.Handler())
	rcv, srv := s.rcv, s.srv
	t.Cleanup(func() {
		srv.Close()
		rcv.Close()
	})
}

// callback builds a callback body.
func callback(code int, msg, task string, videoURL *string) []byte {
	body, err := json.Marshal(webhook.Event{Code: code, Msg: msg, Data: webhook.EventData{TaskID: task, VideoURL: videoURL}})
	if err != nil {
		panic(err)
	}
	return body
}

func success(task, link string) []byte {
	return callback(webhook.CodeSuccess, "MP4 generated successfully.", task, &link)
}

// post sends body signed with secret under webhook-id msgID and returns the
// status and the answer's body.
func (s *setup) post(t *testing.T, secret, msgID, task string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/callback", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := webhook.SetHeaders(req.Header, msgID, task, time.Now(), body, secret); err != nil {
		t.Fatal(err)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(answer))
}

// readRecord reads the record of task.
func (s *setup) readRecord(t *testing.T, task string) receiver.Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, "music_video_"+task+".json"))
	if err != nil {
		t.Fatalf("reading the record: %v", err)
	}
	var rec receiver.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("decoding the record: %v", err)
	}
	return rec
}

// checkSaved checks that task's video holds want and its record matches.
func (s *setup) checkSaved(t *testing.T, task string, want []byte) receiver.Record {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(s.dir, "music_video_"+task+".mp4"))
	if err != nil {
		t.Fatalf("reading the video: %v\nlogs:\n%s", err, s.logs)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("video has %d bytes (sha256 %s), want %d bytes (sha256 %s)", len(got), sum(got), len(want), sum(want))
	}
	if _, err := os.Stat(filepath.Join(s.dir, ".music_video_"+task+".mp4.part")); !os.IsNotExist(err) {
		t.Errorf("partial file still there (stat error %v)", err)
	}
	rec := s.readRecord(t, task)
	if rec.Bytes != int64(len(want)) {
		t.Errorf("record bytes = %d, want %d", rec.Bytes, len(want))
	}
	if rec.SHA256 != sum(want) {
		t.Errorf("record sha256 = %s, want %s", rec.SHA256, sum(want))
	}
	if rec.SavedAt.IsZero() || rec.SavedAt.Before(rec.ReceivedAt) {
		t.Errorf("record savedAt = %v, want a time at or after receivedAt %v", rec.SavedAt, rec.ReceivedAt)
	}
	if rec.Error != "" {
		t.Errorf("record error = %q, want none", rec.Error)
	}
	return rec
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// files lists the regular files under root, relative to it.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func TestValidCallback(t *testing.T) {
	t.Parallel()
	video := fakeVideo(300_000)
	release := make(chan struct{})
	vs := newVideoServer(t, video, func(_ int64, _ http.ResponseWriter, _ *http.Request) bool {
		<-release // the download must not hold up the answer
		return false
	})
	s := newSetup(t, nil)

	const expires = 1797000000
	link := vs.link("task_A-1", expires)
	status, answer := s.post(t, s.secret, "msg_1", "task_A-1", success("task_A-1", link))
	if status != http.StatusOK || answer != `{"ok":true}` {
		t.Fatalf("answer = %d %s, want 200 {\"ok\":true}", status, answer)
	}
	close(release)
	s.rcv.Wait()

	rec := s.checkSaved(t, "task_A-1", video)
	if want := time.Unix(expires, 0).UTC(); !rec.LinkExpiresAt.Equal(want) {
		t.Errorf("linkExpiresAt = %v, want %v", rec.LinkExpiresAt, want)
	}
	if rec.TaskID != "task_A-1" || rec.WebhookID != "msg_1" || rec.VideoURL != link || rec.Code != 200 {
		t.Errorf("record = %+v, want taskId task_A-1, webhookId msg_1, videoUrl %s, code 200", rec, link)
	}
	if got := vs.requests.Load(); got != 1 {
		t.Errorf("video requests = %d, want 1", got)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "saved music_video_task_A-1.mp4 (300.0 kB) — link expires on 2026-12-11 14:40 UTC") {
		t.Errorf("logs lack the saved line:\n%s", logs)
	}

	// The record's JSON keys are the documented ones.
	data, err := os.ReadFile(filepath.Join(s.dir, "music_video_task_A-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"taskId", "webhookId", "videoUrl", "linkExpiresAt", "receivedAt", "savedAt", "bytes", "sha256"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("record lacks %q: %s", k, data)
		}
	}
	if got, want := raw["linkExpiresAt"], "2026-12-11T14:40:00Z"; got != want {
		t.Errorf("linkExpiresAt = %v, want %s", got, want)
	}
}

func TestExpiryWithoutParameter(t *testing.T) {
	t.Parallel()
	vs := newVideoServer(t, fakeVideo(1000), nil)
	s := newSetup(t, nil)
	if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	s.rcv.Wait()
	rec := s.checkSaved(t, "t1", vs.video)
	if got, want := rec.LinkExpiresAt.Sub(rec.ReceivedAt), receiver.LinkValidity; got != want {
		t.Errorf("linkExpiresAt - receivedAt = %v, want %v", got, want)
	}
}

func TestRejected(t *testing.T) {
	t.Parallel()
	other, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	vs := newVideoServer(t, fakeVideo(1000), nil)
	s := newSetup(t, nil)
	body := success("t1", vs.link("t1", 0))

	if status, _ := s.post(t, other, "msg_1", "t1", body); status != http.StatusUnauthorized {
		t.Errorf("wrong secret: status = %d, want 401", status)
	}

	req, _ := http.NewRequest(http.MethodPost, s.srv.URL, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req) // no signature at all
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned: status = %d, want 401", resp.StatusCode)
	}

	resp, err = http.Get(s.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: status = %d, Allow %q; want 405, Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
	}

	big := callback(200, strings.Repeat("x", webhook.DefaultMaxBodyBytes), "t1", nil)
	if status, _ := s.post(t, s.secret, "msg_2", "t1", big); status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: status = %d, want 413", status)
	}

	s.rcv.Wait()
	if got := vs.requests.Load(); got != 0 {
		t.Errorf("video requests = %d, want 0", got)
	}
	if got := files(t, filepath.Dir(s.dir)); len(got) != 0 {
		t.Errorf("files written: %v, want none", got)
	}
}

func TestDuplicate(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	vs := newVideoServer(t, fakeVideo(50_000), func(_ int64, _ http.ResponseWriter, _ *http.Request) bool {
		<-release
		return false
	})
	s := newSetup(t, nil)
	body := success("t1", vs.link("t1", 0))

	for i, when := range []string{"first", "while downloading"} {
		if status, answer := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK || answer != `{"ok":true}` {
			t.Fatalf("%s delivery (%d): answer = %d %s, want 200 {\"ok\":true}", when, i+1, status, answer)
		}
	}
	close(release)
	s.rcv.Wait()
	if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
		t.Fatalf("after the download: status = %d, want 200", status)
	}
	s.rcv.Wait()

	// A new process on the same folder remembers the callback.
	s.start(t, nil)
	if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
		t.Fatalf("after a restart: status = %d, want 200", status)
	}
	s.rcv.Wait()

	// Without the state file the record still tells.
	if err := os.Remove(filepath.Join(s.dir, receiver.StateFile)); err != nil {
		t.Fatal(err)
	}
	s.start(t, nil)
	if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
		t.Fatalf("without the state file: status = %d, want 200", status)
	}
	s.rcv.Wait()

	if got := vs.requests.Load(); got != 1 {
		t.Errorf("video requests = %d, want 1", got)
	}
	s.checkSaved(t, "t1", vs.video)
	if got := strings.Count(s.logs.String(), "duplicate callback msg_1 for task t1 ignored"); got != 4 {
		t.Errorf("duplicate log lines = %d, want 4; logs:\n%s", got, s.logs)
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	vs := newVideoServer(t, fakeVideo(20_000), func(n int64, w http.ResponseWriter, _ *http.Request) bool {
		if n <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	s := newSetup(t, nil)
	if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t1", vs.video)
	if got := vs.requests.Load(); got != 3 {
		t.Errorf("video requests = %d, want 3", got)
	}
	logs := s.logs.String()
	for _, want := range []string{
		"download of t1 failed (attempt 1/5): the server answered 503 Service Unavailable; retrying in 10ms",
		"download of t1 failed (attempt 2/5): the server answered 503 Service Unavailable; retrying in 20ms",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestGiveUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		requests int64
	}{
		{"expired link", http.StatusGone, 1},            // permanent: no retry
		{"server down", http.StatusBadGateway, 3},       // every attempt
		{"rate limited", http.StatusTooManyRequests, 3}, // worth retrying
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vs := newVideoServer(t, nil, func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
				w.WriteHeader(tt.status)
				return true
			})
			s := newSetup(t, func(r *receiver.Receiver) { r.Retries = 3 })
			body := success("t1", vs.link("t1", 0))
			if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
				t.Fatalf("status = %d, want 200", status)
			}
			s.rcv.Wait()
			if got := vs.requests.Load(); got != tt.requests {
				t.Errorf("video requests = %d, want %d", got, tt.requests)
			}
			if _, err := os.Stat(filepath.Join(s.dir, "music_video_t1.mp4")); !os.IsNotExist(err) {
				t.Errorf("video exists (stat error %v), want none", err)
			}
			if rec := s.readRecord(t, "t1"); !strings.Contains(rec.Error, strconv.Itoa(tt.status)) {
				t.Errorf("record error = %q, want it to name %d", rec.Error, tt.status)
			}

			// A failed download is not remembered: a redelivery tries again.
			if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
				t.Fatalf("redelivery: status = %d, want 200", status)
			}
			s.rcv.Wait()
			if got := vs.requests.Load(); got != 2*tt.requests {
				t.Errorf("video requests after a redelivery = %d, want %d", got, 2*tt.requests)
			}
		})
	}
}

func TestResume(t *testing.T) {
	t.Parallel()
	video := fakeVideo(400_000)
	half := len(video) / 2
	var secondRange atomic.Value
	vs := newVideoServer(t, video, func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			w.Header().Set("Content-Type", "video/mp4")
			w.Header().Set("Content-Length", strconv.Itoa(len(video)))
			w.WriteHeader(http.StatusOK)
			w.Write(video[:half])
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijacking: %v", err)
				return true
			}
			buf.Flush()
			conn.Close()
			return true
		}
		secondRange.Store(r.Header.Get("Range"))
		return false
	})
	s := newSetup(t, nil)
	if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t1", video)
	if got := vs.requests.Load(); got != 2 {
		t.Errorf("video requests = %d, want 2", got)
	}
	if got, want := secondRange.Load(), "bytes="+strconv.Itoa(half)+"-"; got != want {
		t.Errorf("second request's Range = %v, want %s", got, want)
	}
}

// A partial file of a previous run whose server no longer honours Range is
// downloaded again from the start.
func TestResumeRefused(t *testing.T) {
	t.Parallel()
	video := fakeVideo(10_000)
	vs := newVideoServer(t, video, func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(video) // 200 whatever the Range
		return true
	})
	s := newSetup(t, nil)
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, ".music_video_t1.mp4.part"), []byte("stale bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t1", video)
}

func TestFailureEvent(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	body := callback(webhook.CodeDownloadFailed, "Source audio file download failed", "t1", nil)
	if status, answer := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK || answer != `{"ok":true}` {
		t.Fatalf("answer = %d %s, want 200 {\"ok\":true}", status, answer)
	}
	s.rcv.Wait()

	rec := s.readRecord(t, "t1")
	if rec.Code != 451 || rec.Msg != "Source audio file download failed" || rec.WebhookID != "msg_1" {
		t.Errorf("record = %+v, want code 451, the msg and webhookId msg_1", rec)
	}
	if rec.VideoURL != "" || !rec.SavedAt.IsZero() || rec.ReceivedAt.IsZero() {
		t.Errorf("record = %+v, want receivedAt only, no videoUrl or savedAt", rec)
	}
	got := files(t, s.dir)
	want := []string{receiver.StateFile, "music_video_t1.json"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files = %v, want %v", got, want)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "task t1 failed: 451 Source audio file download failed") {
		t.Errorf("logs lack the failure:\n%s", logs)
	}
}

func TestHostileTaskID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"../../etc/x", "a/b", `..\x`, ".", "x y", "x\x00y", "é", strings.Repeat("a", 200)} {
		t.Run(strconv.Quote(id), func(t *testing.T) {
			t.Parallel()
			vs := newVideoServer(t, fakeVideo(100), nil)
			s := newSetup(t, nil)
			link := vs.link("x", 0)
			for _, body := range [][]byte{
				success(id, link),
				callback(webhook.CodeInternal, "boom", id, nil),
			} {
				if status, _ := s.post(t, s.secret, "msg_"+strconv.Itoa(len(body)), id, body); status != http.StatusBadRequest {
					t.Errorf("status = %d, want 400", status)
				}
			}
			s.rcv.Wait()
			if got := vs.requests.Load(); got != 0 {
				t.Errorf("video requests = %d, want 0", got)
			}
			root := filepath.Dir(filepath.Dir(s.dir)) // two levels above DIR, as ../../ reaches
			if got := files(t, root); len(got) != 0 {
				t.Errorf("files written under %s: %v, want none", root, got)
			}
			if logs := s.logs.String(); !strings.Contains(logs, "cannot name a file") {
				t.Errorf("logs lack the refusal:\n%s", logs)
			}
		})
	}
}

func TestLegacy(t *testing.T) {
	t.Parallel()
	vs := newVideoServer(t, fakeVideo(5_000), nil)
	s := newSetup(t, func(r *receiver.Receiver) { r.Legacy, r.VideoOrigins = true, []string{vs.URL} })
	body := success("t1", vs.link("t1", 0))

	// A legacy sender: no Standard Webhooks headers, so no webhook-id.
	send := func() int {
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL, bytes.NewReader(body))
		if err := webhook.SetHeaders(req.Header, "msg_1", "t1", time.Now(), body, s.secret); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
			req.Header.Del(h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 2 {
		if status := send(); status != http.StatusOK {
			t.Fatalf("status = %d, want 200", status)
		}
		s.rcv.Wait()
	}
	s.checkSaved(t, "t1", vs.video)
	if got := vs.requests.Load(); got != 1 {
		t.Errorf("video requests = %d, want 1", got)
	}
}

func TestContentTypeWarning(t *testing.T) {
	t.Parallel()
	vs := newVideoServer(t, nil, func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html>not a video</html>")
		return true
	})
	s := newSetup(t, nil)
	if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t1", []byte("<html>not a video</html>"))
	if logs := s.logs.String(); !strings.Contains(logs, `comes as \"text/html; charset=utf-8\", not video/*`) {
		t.Errorf("logs lack the Content-Type warning:\n%s", logs)
	}
}
