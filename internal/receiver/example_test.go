package receiver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/receiver"
	"github.com/mvgen/mvgen/webhook"
)

// A receiver on loopback gets a signed callback from "mvgen" and saves the
// video it announces. In production the handler runs in an http.Server on
// --addr, and the program calls Close (or Wait) after Shutdown.
func Example() {
	dir, err := os.MkdirTemp("", "mvgen-receive")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// Stands in for mvgen's video link.
	videos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "video.mp4", time.Time{}, strings.NewReader("…an MP4…"))
	}))
	defer videos.Close()

	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from `mvgen keys create`
	r := &receiver.Receiver{Secrets: []string{secret}, Dir: dir}
	if err := r.Validate(); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()

	// What mvgen sends when task t_1 is done.
	body := []byte(`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"t_1","video_url":"` +
		videos.URL + `/v1/videos/t_1.mp4?expires=1797000000&sig=…"}}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err := webhook.SetHeaders(req.Header, "msg_t_1", "t_1", time.Now(), body, secret); err != nil {
		panic(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("answer:", resp.Status)

	r.Wait() // the download runs after the answer
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// answer: 200 OK
	// .mvgen-receive.json
	// music_video_t_1.json
	// music_video_t_1.mp4
}
