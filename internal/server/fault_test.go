package server_test

// The fault suite (issue 11): the service under crashes, a receiver outage
// and backend faults. `make test` runs each case at a small size, bounded in
// time; `make chaos` sets MVGEN_CHAOS=full for the full size (50 tasks, 5
// kills, a 30 s S3 outage). Every case logs its figures on a line starting
// "fault figures:".

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultSize is the size of the fault cases: small in `make test`, full
// with MVGEN_CHAOS=full (`make chaos`).
type faultSize struct {
	tasks     int           // tasks in flight
	kills     int           // SIGKILLs of mvgen serve (SQLite)
	pgKills   int           // SIGKILLs on PostgreSQL, each waits for the dead-node rescue (30 s)
	outage    time.Duration // how long a backend stays down
	completed time.Duration // how long every task may take to end
}

func sizeOfFaults() faultSize {
	if os.Getenv("MVGEN_CHAOS") == "full" {
		return faultSize{tasks: 50, kills: 5, pgKills: 5, outage: 30 * time.Second, completed: 20 * time.Minute}
	}
	return faultSize{tasks: 8, kills: 3, pgKills: 1, outage: 6 * time.Second, completed: 4 * time.Minute}
}

// tolerantClient talks to a service that may be down for a moment: every
// request is retried until it gets an answer that is not a 5xx (or the
// service's 455 "shutting down"), with the base URL read each time.
type tolerantClient struct {
	t       *testing.T
	token   string
	mu      sync.Mutex
	base    string
	refused int // requests not answered, or answered 5xx, and tried again
}

func (c *tolerantClient) setBase(u string) {
	c.mu.Lock()
	c.base = u
	c.mu.Unlock()
}

func (c *tolerantClient) url(path string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base + path
}

// try sends one request and decodes the envelope; ok is false when the
// service did not answer or answered 5xx/455.
func (c *tolerantClient) try(method, path, contentType string, body []byte, header ...string) (envelope, bool) {
	req, err := http.NewRequest(method, c.url(path), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return envelope{}, false
	}
	defer resp.Body.Close()
	var e envelope
	b, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(b, &e) != nil {
		return envelope{HTTP: resp.StatusCode}, false
	}
	e.HTTP = resp.StatusCode
	return e, resp.StatusCode < 500 && e.Code < 500 && e.Code != 455
}

// must retries a request until the service answers it (within limit).
func (c *tolerantClient) must(limit time.Duration, method, path, contentType string, body []byte, header ...string) envelope {
	deadline := time.Now().Add(limit)
	for {
		e, ok := c.try(method, path, contentType, body, header...)
		if ok {
			return e
		}
		c.mu.Lock()
		c.refused++
		c.mu.Unlock()
		if time.Now().After(deadline) {
			c.t.Errorf("%s %s: no answer within %v (last: HTTP %d code %d %s)", method, path, limit, e.HTTP, e.Code, e.Msg)
			return e
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// multipartTrack is an upload body for audio.
func multipartTrack(t *testing.T, audio []byte, title string) (string, []byte) {
	var buf bytes.Buffer
	boundary := "mvgenfault" + randomHex(4)
	fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n%s\r\n", boundary, title)
	fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n", boundary)
	buf.Write(audio)
	fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
	return "multipart/form-data; boundary=" + boundary, buf.Bytes()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// submit uploads audio as a new track and asks for its video, retrying
// through outages; the generate request carries an Idempotency-Key, so a
// retry of a request whose answer was lost makes no second task. It
// returns "" when the service refused the task for good.
func (c *tolerantClient) submit(audio []byte, name, callback string, limit time.Duration) string {
	ct, body := multipartTrack(c.t, audio, name)
	e := c.must(limit, http.MethodPost, "/api/v1/tracks", ct, body)
	var tr struct{ TaskID, AudioID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
		c.t.Errorf("upload %s: %d %s", name, e.Code, e.Msg)
		return ""
	}
	gen, _ := json.Marshal(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID,
		"callBackUrl": callback, "author": name})
	e = c.must(limit, http.MethodPost, "/api/v1/mp4/generate", "application/json", gen, "Idempotency-Key", "idem-"+name)
	var g struct{ TaskID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &g) != nil || g.TaskID == "" {
		c.t.Errorf("generate %s: %d %s", name, e.Code, e.Msg)
		return ""
	}
	return g.TaskID
}

// record reads a task's record-info, or reports that the service is down.
func (c *tolerantClient) record(id string) (record, bool) {
	e, ok := c.try(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	var r record
	if !ok || e.Code != 200 || json.Unmarshal(e.Data, &r) != nil {
		return record{}, false
	}
	return r, true
}

// waitEnded polls until every task left PENDING or limit passes, and
// returns each task's record.
func (c *tolerantClient) waitEnded(ids []string, limit time.Duration) map[string]record {
	done := map[string]record{}
	deadline := time.Now().Add(limit)
	for len(done) < len(ids) && time.Now().Before(deadline) {
		for _, id := range ids {
			if _, ok := done[id]; ok {
				continue
			}
			if r, ok := c.record(id); ok && r.SuccessFlag != "PENDING" {
				done[id] = r
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return done
}

// callbackLog is a receiver that records every callback by task and can be
// taken down (connections refused) and brought back on the same address.
type callbackLog struct {
	t      *testing.T
	mu     sync.Mutex
	srv    *httptest.Server
	addr   string
	byTask map[string]map[string]int // task → webhook-id → callbacks
	total  int
}

func newCallbackLog(t *testing.T) *callbackLog {
	l := &callbackLog{t: t, byTask: map[string]map[string]int{}}
	l.up()
	t.Cleanup(l.down)
	return l
}

func (l *callbackLog) URL() string { return "http://" + l.addr + "/hook" }

func (l *callbackLog) up() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			Data struct {
				TaskID string `json:"task_id"`
			} `json:"data"`
		}
		json.Unmarshal(body, &ev)
		l.mu.Lock()
		if l.byTask[ev.Data.TaskID] == nil {
			l.byTask[ev.Data.TaskID] = map[string]int{}
		}
		l.byTask[ev.Data.TaskID][r.Header.Get("webhook-id")]++
		l.total++
		l.mu.Unlock()
		w.WriteHeader(200)
	}))
	if l.addr != "" {
		srv.Listener.Close()
		var err error
		for i := 0; i < 50; i++ { // the port was ours a moment ago
			if srv.Listener, err = netListen(l.addr); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			l.t.Fatalf("receiver back on %s: %v", l.addr, err)
		}
	}
	srv.Start()
	l.mu.Lock()
	l.srv, l.addr = srv, srv.Listener.Addr().String()
	l.mu.Unlock()
}

func (l *callbackLog) down() {
	l.mu.Lock()
	srv := l.srv
	l.srv = nil
	l.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// received is how many callbacks arrived so far.
func (l *callbackLog) received() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// calledBack is how many tasks got at least one callback.
func (l *callbackLog) calledBack() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byTask)
}

// check reports tasks without a callback or with more than one webhook-id,
// and returns how many tasks got one and the callbacks received.
func (l *callbackLog) check(t *testing.T, ids []string) (tasks, callbacks int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		hooks := l.byTask[id]
		switch {
		case len(hooks) == 0:
			t.Errorf("task %s: no callback received", id)
		case len(hooks) > 1:
			t.Errorf("task %s: callbacks with %d webhook-ids, want one", id, len(hooks))
		default:
			tasks++
		}
	}
	return tasks, l.total
}

// waitCallbacks waits until every task has a callback or limit passes.
func (l *callbackLog) waitCallbacks(ids []string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		missing := 0
		for _, id := range ids {
			if len(l.byTask[id]) == 0 {
				missing++
			}
		}
		l.mu.Unlock()
		if missing == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// filesLeft counts what a finished run leaves in a local blob directory and
// the render scratch: videos, and files no finished task explains (fetched
// sources, renders in progress, temp files of interrupted writes).
type filesLeft struct {
	videos, fetched, scratch, partial int
}

func countFiles(t *testing.T, dataDir string) filesLeft {
	var f filesLeft
	videos, _ := filepath.Glob(filepath.Join(dataDir, "files", "videos", "*.mp4"))
	f.videos = len(videos)
	fetched, _ := filepath.Glob(filepath.Join(dataDir, "files", "fetched", "*", "*"))
	f.fetched = len(fetched)
	scratch, _ := os.ReadDir(filepath.Join(dataDir, "tmp"))
	f.scratch = len(scratch)
	filepath.WalkDir(filepath.Join(dataDir, "files"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".put-") {
			f.partial++
		}
		return nil
	})
	for _, v := range videos {
		if p := ffprobe(t, v); p.duration() <= 0 || len(p.Streams) != 2 {
			t.Errorf("video %s is not a whole MP4: %+v", filepath.Base(v), p)
		}
	}
	return f
}

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
