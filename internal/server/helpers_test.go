package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// loopback lets callbacks and source downloads reach the test's own servers.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// running is a server started by startServer.
type running struct {
	*server.Server
	cancel context.CancelFunc
	done   chan error
}

// startServer runs the real service on 127.0.0.1:0 over cfg.DataDir.
func startServer(t testing.TB, cfg server.Config) *running {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Addr = "127.0.0.1:0"
	if cfg.MetricsAddr == "" {
		cfg.MetricsAddr = "127.0.0.1:0" // servers of parallel tests must not share the default port
	}
	if cfg.CallbackAllowNets == nil {
		cfg.CallbackAllowNets = loopback
	}
	if cfg.SourceAllowNets == nil {
		cfg.SourceAllowNets = loopback
	}
	if cfg.RateLimit.IsZero() {
		cfg.RateLimit = limit.Off // the tests poll faster than a client may; limits_test.go tests the default
	}
	if cfg.CallbackSchedule == nil {
		cfg.CallbackSchedule = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	}
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Server: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop shuts the server down gracefully and closes it; it may be called twice.
func (r *running) stop(t testing.TB) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	if err := <-r.done; err != nil {
		t.Errorf("Run: %v", err)
	}
	r.Close()
	r.cancel = nil
}

// client is an API key's view of the service.
type client struct {
	t      testing.TB
	base   string
	token  string
	secret string
}

func newClient(t testing.TB, s store.Store, base string) *client {
	t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	k, token := mvgen.NewKey(t.Name(), secret, time.Now())
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, token: token, secret: secret}
}

// envelope is the API's answer, data kept raw.
type envelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
	HTTP int             `json:"-"`
}

func (c *client) do(method, path, contentType string, body io.Reader, header ...string) envelope {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := apitest.Client(c.t, c.base).Do(req) // every exchange checked against docs/openapi.yaml
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var e envelope
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		c.t.Fatalf("%s %s: answer is not the JSON envelope: %v", method, path, err)
	}
	e.HTTP = resp.StatusCode
	return e
}

func (c *client) postJSON(path string, body any, header ...string) envelope {
	c.t.Helper()
	b, ok := body.(string)
	if !ok {
		raw, _ := json.Marshal(body)
		b = string(raw)
	}
	return c.do(http.MethodPost, path, "application/json", strings.NewReader(b), header...)
}

// uploadEnvelope posts an audio file (and optional cover) as a track upload.
func (c *client) uploadEnvelope(audio, cover, title string) envelope {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", title)
	for field, path := range map[string]string{"audio": audio, "cover": cover} {
		if path == "" {
			continue
		}
		fw, _ := mw.CreateFormFile(field, filepath.Base(path))
		b, err := os.ReadFile(path)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	return c.do(http.MethodPost, "/api/v1/tracks", mw.FormDataContentType(), &buf)
}

// upload registers an audio file (and optional cover) as a track.
func (c *client) upload(audio, cover, title string) (musicTaskID, audioID string) {
	c.t.Helper()
	e := c.uploadEnvelope(audio, cover, title)
	var d struct{ TaskID, AudioID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil {
		c.t.Fatalf("upload: %d %s", e.Code, e.Msg)
	}
	return d.TaskID, d.AudioID
}

func (c *client) generate(body map[string]any) string {
	c.t.Helper()
	e := c.postJSON("/api/v1/mp4/generate", body)
	var d struct{ TaskID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &d) != nil || d.TaskID == "" {
		c.t.Fatalf("generate: %d %s", e.Code, e.Msg)
	}
	return d.TaskID
}

// record is record-info's data.
type record struct {
	TaskID       string  `json:"taskId"`
	SuccessFlag  string  `json:"successFlag"`
	ErrorCode    *int    `json:"errorCode"`
	ErrorMessage *string `json:"errorMessage"`
	Progress     int     `json:"progress"`
	CreateTime   string  `json:"createTime"`
	CompleteTime *string `json:"completeTime"`
	Response     struct {
		VideoURL *string `json:"videoUrl"`
	} `json:"response"`
	Callback struct {
		Attempts   int  `json:"attempts"`
		LastStatus *int `json:"lastStatus"`
	} `json:"callback"`
}

func (c *client) record(id string) (record, envelope) {
	c.t.Helper()
	e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	var r record
	if e.Code == 200 {
		if err := json.Unmarshal(e.Data, &r); err != nil {
			c.t.Fatalf("record-info data: %v", err)
		}
	}
	return r, e
}

// callback is one request a receiver got.
type callback struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is an httptest server that records callbacks and answers with
// the statuses in fail first, then 200.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	fail  []int
	calls chan callback
}

func newReceiver(t testing.TB, fail ...int) *receiver {
	r := &receiver{fail: fail, calls: make(chan callback, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		at := time.Now()
		apitest.CheckCallback(t, req, body) // headers and body as docs/openapi.yaml's webhook says
		r.calls <- callback{header: req.Header.Clone(), body: body, at: at}
		r.mu.Lock()
		status := 200
		if len(r.fail) > 0 {
			status, r.fail = r.fail[0], r.fail[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, "status %d", status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t testing.TB, timeout time.Duration) callback {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(timeout):
		t.Fatalf("no callback within %v", timeout)
		return callback{}
	}
}

// makeAudio writes a test track with ffmpeg: tones with a silent gap.
func makeAudio(t testing.TB, dir, name string, seconds float64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	tone := strconv.FormatFloat(seconds-1, 'f', 3, 64)
	args := []string{"-v", "error", "-y",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=" + tone,
		"-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=1",
		"-filter_complex", "[0][1]concat=n=2:v=0:a=1,aformat=channel_layouts=stereo",
		path}
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("making test audio: %v\n%s", err, out)
	}
	return path
}

// probe is the part of ffprobe's answer the tests read.
type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probe) duration() float64 {
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return d
}

// waitDone polls record-info until the task leaves PENDING.
func (c *client) waitDone(id string, timeout time.Duration) record {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		r, e := c.record(id)
		if e.Code != 200 {
			c.t.Fatalf("record-info: %d %s", e.Code, e.Msg)
		}
		if r.SuccessFlag != "PENDING" {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("task %s still PENDING after %v", id, timeout)
	return record{}
}
