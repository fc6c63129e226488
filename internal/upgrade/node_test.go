package upgrade

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/webhook"
)

// callbackSchedule is the nodes' --callback-schedule: retries a second or
// two apart for 80 s, so a callback refused before an upgrade is still being
// retried after it however slow the renders before the stop, and a retry
// comes soon after the receiver takes callbacks again.
var callbackSchedule = "1s" + strings.Repeat(",2s", 40)

// serveArgs are the flags every node of the tests gets, the old release's
// and the new: loopback callbacks, no rate limit (the tests poll), one
// render at a time, the short schedule, and a short grace, so that a
// SIGTERM interrupts a running render and leaves it queued. (The old
// release interrupts it at once anyway: its River client ran on the context
// the signal cancels, which cancelled running jobs before the grace began;
// fixed since, TestShutdownGrace.)
func serveArgs(extra ...string) []string {
	return append([]string{"serve", "--callback-allow-net", "127.0.0.0/8", "--rate-limit", "off",
		"--render-workers", "1", "--callback-schedule", callbackSchedule, "--shutdown-grace", "1s"}, extra...)
}

// node is one mvgen serve process.
type node struct {
	name string // "old" or "new"
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done

	mu    sync.Mutex
	lines []string
}

var servingURL = regexp.MustCompile(`msg="mvgen serving" url=(\S+)`)

// startNode runs bin with args (serve …, --addr among them) in a process
// group of its own and returns once it serves.
func startNode(t *testing.T, name, bin string, args ...string) *node {
	t.Helper()
	if name != "old" && len(args) > 0 && args[0] == "serve" {
		// Since the old release, metrics have a listener of their own,
		// 127.0.0.1:9464 by default, which nodes of tests running at once
		// would fight over.
		args = append(slices.Clone(args), "--metrics-addr", "off")
	}
	n := &node{name: name, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	// Its own address: the log's url= is --public-url's.
	if i := slices.Index(args, "--addr"); i >= 0 && i+1 < len(args) {
		n.url = "http://" + args[i+1]
	} else {
		t.Fatal("startNode: no --addr")
	}
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL) // mvgen and whatever it started
		<-n.done
		if t.Failed() {
			t.Logf("the %s node's log (last 80 lines):\n%s", n.name, n.tail(80))
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			n.mu.Lock()
			n.lines = append(n.lines, sc.Text())
			n.mu.Unlock()
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		n.err = n.cmd.Wait()
		close(n.done)
	}()
	select {
	case <-urls:
	case <-n.done:
		t.Fatalf("the %s node exited before serving: %v\n%s", name, n.err, n.tail(80))
	case <-time.After(time.Minute):
		t.Fatalf("the %s node did not serve within a minute\n%s", name, n.tail(80))
	}
	return n
}

// stop sends SIGTERM, as systemctl stop does, and wants a clean exit.
func (n *node) stop(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.done:
		if n.err != nil {
			t.Errorf("the %s node after SIGTERM: %v", n.name, n.err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("the %s node still runs a minute after SIGTERM", n.name)
	}
}

// kill SIGKILLs the node's whole process group: a power cut, or systemd's
// last resort after TimeoutStopSec.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-n.done
}

func (n *node) tail(lines int) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.lines[max(0, len(n.lines)-lines):], "\n")
}

// tasks returns how many log lines with message msg name each task.
func (n *node) tasks(msg string) map[string]int {
	re := regexp.MustCompile(`msg=` + regexp.QuoteMeta(msg) + ` .*\btask=(\w+)`)
	if strings.Contains(msg, " ") {
		re = regexp.MustCompile(`msg="` + regexp.QuoteMeta(msg) + `" .*\btask=(\w+)`)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for _, l := range n.lines {
		if m := re.FindStringSubmatch(l); m != nil {
			out[m[1]]++
		}
	}
	return out
}

// renderingNow returns the tasks among ids whose render this node started
// and has not finished.
func (n *node) renderingNow(ids ...string) []string {
	started, ended := n.tasks("rendering"), n.tasks("rendered")
	interrupted := n.tasks("render interrupted by shutdown; requeued")
	var out []string
	for _, id := range ids {
		if started[id] > ended[id]+interrupted[id] {
			out = append(out, id)
		}
	}
	return out
}

// errorLines are the node's ERROR lines.
func (n *node) errorLines() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, l := range n.lines {
		if strings.Contains(l, " level=ERROR ") {
			out = append(out, l)
		}
	}
	return out
}

// apiKey is what mvgen keys create --json prints.
type apiKey struct {
	APIKey        string `json:"apiKey"`
	WebhookSecret string `json:"webhookSecret"`
}

// createKey makes a key with bin (the old release: the key outlives it);
// storeArgs are --data and --db.
func createKey(t *testing.T, bin string, storeArgs ...string) apiKey {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"keys", "create", "--name", "upgrade", "--json"}, storeArgs...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var k apiKey
	if err != nil || json.Unmarshal(out, &k) != nil || k.APIKey == "" {
		t.Fatalf("mvgen keys create: %v %s%s", err, out, stderr.Bytes())
	}
	return k
}

// api calls one node's API with the key.
type api struct {
	t    *testing.T
	base string
	key  string
}

func (c api) call(method, path, contentType string, body io.Reader, data any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, c.base+path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Code int
		Msg  string
		Data json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 200 {
		c.t.Fatalf("%s %s: HTTP %d, code %d %q (%v)", method, c.base+path, resp.StatusCode, env.Code, env.Msg, err)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		c.t.Fatalf("%s %s: data %s: %v", method, path, env.Data, err)
	}
}

// upload registers audio as a track and returns its ids.
func (c api) upload(audio, title string) (musicID, audioID string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", title)
	fw, _ := mw.CreateFormFile("audio", filepath.Base(audio))
	b, err := os.ReadFile(audio)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(b)
	mw.Close()
	var d struct{ TaskID, AudioID string }
	c.call(http.MethodPost, "/api/v1/tracks", mw.FormDataContentType(), &buf, &d)
	return d.TaskID, d.AudioID
}

// generate creates a video task of the track with a callback to hook.
func (c api) generate(musicID, audioID, hook, author string) string {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"taskId": musicID, "audioId": audioID, "callBackUrl": hook, "author": author})
	var d struct{ TaskID string }
	c.call(http.MethodPost, "/api/v1/mp4/generate", "application/json", bytes.NewReader(b), &d)
	return d.TaskID
}

// record is what the tests read of record-info.
type record struct {
	SuccessFlag  string  `json:"successFlag"`
	Progress     int     `json:"progress"`
	ErrorMessage *string `json:"errorMessage"`
	Response     struct {
		VideoURL *string `json:"videoUrl"`
	} `json:"response"`
	Callback struct {
		Attempts   int  `json:"attempts"`
		LastStatus *int `json:"lastStatus"`
	} `json:"callback"`
}

func (r record) delivered() bool {
	return r.Callback.LastStatus != nil && *r.Callback.LastStatus == 200
}

// failed reports whether the task ended other than in SUCCESS.
func (r record) failed() bool { return r.SuccessFlag != "PENDING" && r.SuccessFlag != "SUCCESS" }

func (r record) String() string {
	if r.ErrorMessage != nil {
		return r.SuccessFlag + ": " + *r.ErrorMessage
	}
	return r.SuccessFlag
}

func (c api) record(id string) record {
	c.t.Helper()
	var r record
	c.call(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil, &r)
	return r
}

// receiver takes the callbacks on loopback and counts, per task, the
// deliveries it refused and accepted and the webhook-ids they carried.
// Callbacks to /retry are refused (503) while refusing is set, or the
// first refuseFirst times per task; all are refused while closed is set.
type receiver struct {
	*httptest.Server
	secret string

	mu          sync.Mutex
	refusing    bool
	refuseFirst int
	closed      bool
	inFlight    int
	byTask      map[string]*deliveries
	problems    []string // unsigned or unreadable callbacks
}

type deliveries struct {
	webhookIDs map[string]bool
	refused    int
	accepted   int
	event      *webhook.Event // the accepted delivery's
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{secret: secret, byTask: map[string]*deliveries{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.inFlight++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	ev, perr := webhook.ParseEvent(body)
	if verr := webhook.Verify(r.secret, req.Header, body); verr != nil || perr != nil {
		r.mu.Lock()
		r.problems = append(r.problems, fmt.Sprintf("signature: %v, body: %v: %s", verr, perr, body))
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.byTask[ev.Data.TaskID]
	if d == nil {
		d = &deliveries{webhookIDs: map[string]bool{}}
		r.byTask[ev.Data.TaskID] = d
	}
	d.webhookIDs[req.Header.Get(webhook.HeaderID)] = true
	retry := req.URL.Path == "/retry"
	if r.closed || retry && (r.refusing || d.refused < r.refuseFirst) {
		d.refused++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	d.accepted++
	d.event = ev
	w.WriteHeader(http.StatusOK)
}

// set changes the receiver's state under its lock.
func (r *receiver) set(f func(r *receiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

// of returns a copy of the task's deliveries so far.
func (r *receiver) of(id string) deliveries {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.byTask[id]; d != nil {
		return *d
	}
	return deliveries{}
}

// checkOnce checks that every task of ids, and no other, was called back:
// each accepted exactly once, with a successful signed event, one
// webhook-id across all its deliveries.
func (r *receiver) checkOnce(t *testing.T, ids []string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		t.Errorf("a callback the receiver could not verify: %s", p)
	}
	for id, d := range r.byTask {
		if !slices.Contains(ids, id) {
			t.Errorf("a callback for %s, a task the test did not create", id)
			continue
		}
		if d.accepted != 1 {
			t.Errorf("task %s: called back %d times (accepted), want exactly once", id, d.accepted)
		}
		if len(d.webhookIDs) != 1 {
			t.Errorf("task %s: deliveries carried %d webhook-ids, want 1", id, len(d.webhookIDs))
		}
		if d.event != nil && (!d.event.OK() || d.event.Data.TaskID != id) {
			t.Errorf("task %s: accepted callback %+v, want a success for the task", id, d.event)
		}
	}
	for _, id := range ids {
		if r.byTask[id] == nil {
			t.Errorf("task %s: never called back", id)
		}
	}
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(25 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
	}
}

// checkVideo GETs a callback's link (following a redirect to S3) and wants
// an MP4.
func checkVideo(t *testing.T, link string) int {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Errorf("GET %s: %v", link, err)
		return 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || len(b) < 1000 || string(b[4:8]) != "ftyp" {
		t.Errorf("GET %s: %d, %d bytes (%v): want an MP4", link, resp.StatusCode, len(b), err)
	}
	return len(b)
}

// balancer is the load balancer in front of the nodes of a rolling
// upgrade: their --public-url, so that a video link works whichever node
// made it and whichever is up. It sends each request to the next live node.
type balancer struct {
	*httptest.Server
	mu    sync.Mutex
	nodes []*url.URL
	next  int
}

func newBalancer(t *testing.T) *balancer {
	b := &balancer{}
	b.Server = httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		b.mu.Lock()
		u := b.nodes[b.next%len(b.nodes)]
		b.next++
		b.mu.Unlock()
		r.SetURL(u)
	}})
	t.Cleanup(b.Close)
	return b
}

func (b *balancer) set(nodes ...*node) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodes = nil
	for _, n := range nodes {
		u, _ := url.Parse(n.url)
		b.nodes = append(b.nodes, u)
	}
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// makeAudio writes a tone of the given seconds as an MP3.
func makeAudio(t *testing.T, seconds int) string {
	t.Helper()
	lookTool(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), "track.mp3")
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("sine=frequency=330:duration=%d", seconds), "-b:a", "128k", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	return path
}

func lookTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (scripts/deps.sh installs it): %v", name, err)
	}
}
