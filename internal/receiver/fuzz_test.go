package receiver_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/receiver"
	"github.com/mvgen/mvgen/webhook"
)

// FuzzHandler posts any body, correctly signed, to a receiver: it answers
// 200, 400 or 413 (never 500 or a panic), and writes nothing but its own
// files inside its folder. Links may only point at a closed port, so
// accepted callbacks' downloads fail at once.
func FuzzHandler(f *testing.F) {
	link := "http://127.0.0.1:1/v1/videos/t1.mp4?expires=1767225600&sig=x"
	for _, body := range [][]byte{
		success("t1", link),
		success("t1", "http://other.example/v.mp4"),
		callback(500, "Internal error", "t2", nil),
		callback(200, "ok", "../../etc/passwd", &link),
		[]byte(`{"code":200,"data":{"task_id":"t3","video_url":null}}`),
		[]byte(`{"code":"200"}`), []byte(`[]`), []byte(`{`), nil,
		[]byte(`{"code":200,"data":{"task_id":"t4","video_url":"javascript:alert(1)"}}`),
	} {
		f.Add(body)
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	rcv := &receiver.Receiver{Secrets: []string{secret}, Dir: filepath.Join(dir, "out"), Retries: 1,
		RetryDelay: time.Millisecond, VideoOrigins: []string{"http://127.0.0.1:1"}}
	if err := rcv.Validate(); err != nil {
		f.Fatal(err)
	}
	h := rcv.Handler()
	f.Cleanup(func() { rcv.Close() })
	var n atomic.Int64
	own := regexp.MustCompile(`^(\.?music_video_[A-Za-z0-9_-]+\.(mp4|json|mp4\.part|mp4\.part\.validator)|\.mvgen-receive\.json|\..*\.tmp)$`)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if err := webhook.SetHeaders(req.Header, "msg_"+strconv.FormatInt(n.Add(1), 10), "t", time.Now(), body, secret); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		rcv.Wait()
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("body %q: status %d %s, want 200, 400 or 413", body, w.Code, w.Body)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) > 1 {
			t.Fatalf("body %q: %d entries beside the output folder", body, len(entries)-1)
		}
		out, _ := os.ReadDir(rcv.Dir)
		for _, e := range out {
			if !own.MatchString(e.Name()) {
				t.Fatalf("body %q: wrote %q", body, e.Name())
			}
		}
	})
}
