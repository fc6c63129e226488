package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// slowSources are three ways a source server can hold a download: accept
// and never answer, trickle one byte a second, or stream steadily above the
// minimum rate but without end.
func slowSources(t *testing.T) map[string]string {
	t.Helper()
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			held.Lock()
			conns = append(conns, c) // accepted, never read or answered
			held.Unlock()
		}
	}()
	t.Cleanup(func() {
		hang.Close()
		held.Lock()
		for _, c := range conns {
			c.Close()
		}
		held.Unlock()
	})
	stream := func(every time.Duration, chunk int) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/mpeg")
			w.Header().Set("Content-Length", strconv.Itoa(100<<20))
			w.WriteHeader(200)
			buf := make([]byte, chunk)
			for {
				if _, err := w.Write(buf); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(every):
				}
			}
		}))
		t.Cleanup(func() { s.CloseClientConnections(); s.Close() })
		return s
	}
	return map[string]string{
		"hang":    "http://" + hang.Addr().String() + "/song.mp3",
		"trickle": stream(time.Second, 1).URL + "/song.mp3",
		"endless": stream(100*time.Millisecond, 1024).URL + "/song.mp3", // 10 KB/s, above the minimum
	}
}

// TestSlowSourceCannotStallRenders: tasks whose audio URL hangs, trickles or
// never ends are fetched by the fetch workers, not the (single) render
// worker: three uploaded tracks submitted after them render while they
// hang, and each slow task ends CREATE_TASK_FAILED with 451 within the
// fetch deadline (the minimum rate ends the first two sooner).
func TestSlowSourceCannotStallRenders(t *testing.T) {
	t.Parallel()
	const deadline = 20 * time.Second
	cfg := serverConfig(t.TempDir())
	cfg.RenderWorkers = 1
	cfg.FetchDeadline = deadline
	cfg.FetchMinRate = 1 << 10
	cfg.FetchRateWindow = 3 * time.Second
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())

	submitted := time.Now()
	slow := map[string]string{} // task id → source kind
	for kind, url := range slowSources(t) {
		e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": url, "title": kind})
		var tr struct{ TaskID, AudioID string }
		if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
			t.Fatalf("register URL track: %d %s", e.Code, e.Msg)
		}
		slow[c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID})] = kind
	}
	time.Sleep(500 * time.Millisecond) // the fetches have started
	fast := map[string]bool{}
	audio := makeAudio(t, t.TempDir(), "short.mp3", 1.5)
	for i := range 3 {
		m, a := c.upload(audio, "", "fast "+strconv.Itoa(i))
		fast[c.generate(map[string]any{"taskId": m, "audioId": a, "author": strconv.Itoa(i)})] = true
	}

	ended := map[string]time.Time{}
	for len(ended) < len(slow)+len(fast) && time.Since(submitted) < deadline+time.Minute {
		for id := range fast {
			if _, ok := ended[id]; !ok {
				if r, _ := c.record(id); r.SuccessFlag != "PENDING" {
					ended[id] = time.Now()
					if r.SuccessFlag != "SUCCESS" {
						t.Errorf("uploaded task %s ended %s, want SUCCESS", id, r.SuccessFlag)
					}
				}
			}
		}
		for id, kind := range slow {
			if _, ok := ended[id]; !ok {
				if r, _ := c.record(id); r.SuccessFlag != "PENDING" {
					ended[id] = time.Now()
					if r.SuccessFlag != "CREATE_TASK_FAILED" || r.ErrorCode == nil || *r.ErrorCode != 451 {
						t.Errorf("%s source: task ended %s code %v, want CREATE_TASK_FAILED 451", kind, r.SuccessFlag, r.ErrorCode)
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Had the endless fetch held the one render worker, no uploaded task
	// could finish before it ended: the first one finishing first shows
	// it did not (the last one need not: three renders on a busy machine
	// outlasted the 20 s deadline in a CI run).
	var firstFast, lastFast time.Time
	for id := range fast {
		at, ok := ended[id]
		if !ok {
			t.Fatalf("uploaded task %s did not render within %v", id, deadline+time.Minute)
		}
		if at.After(lastFast) {
			lastFast = at
		}
		if firstFast.IsZero() || at.Before(firstFast) {
			firstFast = at
		}
	}
	for id, kind := range slow {
		at, ok := ended[id]
		if !ok {
			t.Fatalf("%s source: task still pending after %v", kind, deadline+time.Minute)
		}
		took := at.Sub(submitted)
		t.Logf("%s source failed after %v", kind, took.Round(100*time.Millisecond))
		if took > deadline+5*time.Second {
			t.Errorf("%s source: failed after %v, want within the %v deadline", kind, took, deadline)
		}
		if kind == "endless" && at.Before(firstFast) {
			t.Errorf("the endless source failed (%v) before any uploaded render finished (%v): it may have held the render worker",
				took, firstFast.Sub(submitted))
		}
	}
	t.Logf("the first uploaded render done %v after submission, the third %v, while the endless source streamed",
		firstFast.Sub(submitted).Round(100*time.Millisecond), lastFast.Sub(submitted).Round(100*time.Millisecond))
	if entries, _ := filepath.Glob(filepath.Join(srv.DataDir(), "files", "fetched", "*")); len(entries) != 0 {
		t.Errorf("failed fetches left %v", entries)
	}
}

// TestFetchedSourceRenders: a track registered by URL (audio and cover) is
// fetched by the fetch stage, rendered from the stored copies, and the
// copies are deleted once the task has ended.
func TestFetchedSourceRenders(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverConfig(t.TempDir()))
	c := newClient(t, srv.Store(), srv.URL())
	dir := t.TempDir()
	audio := makeAudio(t, dir, "remote.mp3", 2)
	cover := filepath.Join(dir, "cover.png")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", cover).CombinedOutput(); err != nil {
		t.Fatalf("making cover: %v %s", err, out)
	}
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()
	e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": files.URL + "/remote.mp3",
		"imageUrl": files.URL + "/cover.png", "title": "remote"})
	var tr struct{ TaskID, AudioID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
		t.Fatalf("register URL track: %d %s", e.Code, e.Msg)
	}
	id := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID})
	r := c.waitDone(id, time.Minute)
	if r.SuccessFlag != "SUCCESS" || r.Response.VideoURL == nil {
		t.Fatalf("URL track: %+v, want SUCCESS", r)
	}
	checkVideo(t, download(t, *r.Response.VideoURL, filepath.Join(t.TempDir(), "v.mp4")), audio)
	// Each task renders to a file of its own (the purge relies on it).
	if own, _ := filepath.Glob(filepath.Join(srv.DataDir(), "files", "videos", "*-"+id+".mp4")); len(own) != 1 {
		t.Errorf("video files named for task %s: %v, want one", id, own)
	}
	left, _ := filepath.Glob(filepath.Join(srv.DataDir(), "files", "fetched", "*", "*"))
	if len(left) != 0 {
		t.Errorf("fetched copies left after the task ended: %v", left)
	}
}
