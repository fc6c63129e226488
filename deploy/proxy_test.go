package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/webhook"
)

// TestNginx runs deploy/nginx/mvgen.conf in the real nginx in front of
// mvgen (proxyFlow).
func TestNginx(t *testing.T) {
	t.Parallel()
	proxyFlow(t, nginx)
}

// TestCaddy runs deploy/Caddyfile in the real Caddy in front of mvgen
// (proxyFlow).
func TestCaddy(t *testing.T) {
	t.Parallel()
	proxyFlow(t, caddy)
}

// proxyFlow checks a proxy configuration in two steps, each with the
// proxy on loopback and a configuration made from the shipped file by
// substituting ports and paths (and, for Caddy, naming the certificate).
//
// In front of a server that answers every request (so that what reaches it
// shows): the forwarded headers are the proxy's own, not the client's
// forgeries; /metrics, however spelt, never reaches it.
//
// In front of mvgen serve, run from the unit's ExecStart= with mvgen.env
// and sandboxed (sandbox_test.go): an upload over nginx's default body cap,
// a generate, the signed callback with a link through the proxy, that link
// serving mvgen's bytes (ranges too), progress on the event stream
// arriving before the render ends, /metrics answered 404 through the proxy
// (and served on mvgen's own loopback address), plain HTTP redirected, and
// mvgen stopping cleanly on SIGTERM. Then strace's record shows no system
// call or address family the unit would refuse.
func proxyFlow(t *testing.T, kind proxyKind) {
	bin := lookTool(t, kind.tool, kind.pkg)
	lookTool(t, "ffmpeg", "ffmpeg")
	ca := newTestCA(t)
	cl := ca.client()

	t.Run("headers and metrics", func(t *testing.T) {
		echo := newEcho(t)
		px := startProxy(t, kind, bin, ca, echo.addr)
		req, _ := http.NewRequest(http.MethodGet, px.base+"/api/v1/mp4/record-info?taskId=x", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.Set("X-Forwarded-Host", "forged.example")
		resp := do(t, cl, req)
		resp.Body.Close()
		h := echo.last()
		for name, want := range map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https",
			"X-Forwarded-Host": strings.TrimPrefix(px.base, "https://")} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: mvgen would see %s: %q, want %q", kind.name, name, got, want)
			}
		}
		for _, path := range []string{"/metrics", "/metrics?format=text", "//metrics", "/./metrics", "/%6Detrics"} {
			resp := do(t, cl, mustRequest(t, http.MethodGet, px.base+path, nil))
			resp.Body.Close()
			t.Logf("%s: GET %s → %d", kind.name, path, resp.StatusCode)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: GET %s answered %d, want 404 from the proxy", kind.name, path, resp.StatusCode)
			}
		}
		if seen := echo.paths(); strings.Contains(strings.ToLower(strings.Join(seen, " ")), "etrics") {
			t.Errorf("%s: /metrics reached the upstream: %q", kind.name, seen)
		}
		if kind.checkTooLarge != nil {
			kind.checkTooLarge(t, px, ca)
			if seen := echo.paths(); strings.Contains(strings.Join(seen, " "), "/api/v1/tracks") {
				t.Errorf("%s: an upload over the limit reached the upstream", kind.name)
			}
		}
	})

	t.Run("mvgen", func(t *testing.T) {
		ports := newProxyPorts(t)
		n := startNode(t, "https://"+ports.host(), "--callback-allow-net", "127.0.0.0/8")
		px := startProxyOn(t, kind, bin, ca, ports, strings.TrimPrefix(n.url, "http://"))
		rcv := newReceiver(t, n.key.WebhookSecret)
		api := &apiClient{t: t, http: cl, base: px.base, key: n.key.APIKey}

		ctx, stopEvents := context.WithCancel(context.Background())
		defer stopEvents()
		events := api.events(ctx)

		audio := makeAudio(t, 90) // 90 s at 192 kbit/s: 2.2 MB, over nginx's default 1 MiB cap
		if fi, _ := os.Stat(audio); fi.Size() <= 1<<20 {
			t.Fatalf("test audio is %d bytes: want more than 1 MiB", fi.Size())
		}
		musicID, audioID := api.upload(audio)
		taskID := api.generate(map[string]any{"taskId": musicID, "audioId": audioID,
			"callBackUrl": rcv.URL + "/hook", "author": "Deploy"})

		// Progress through the proxy while the render runs: the first
		// event with 0 < progress < 100 must arrive before the callback,
		// which mvgen sends once the render has ended.
		var progressAt time.Time
		deadline := time.After(3 * time.Minute)
	watch:
		for {
			select {
			case ev := <-events:
				if ev.TaskID != taskID {
					continue
				}
				if ev.SuccessFlag == "PENDING" && ev.Progress > 0 && ev.Progress < 100 && progressAt.IsZero() {
					progressAt = ev.at
					t.Logf("%s: progress %d%% through the proxy; mvgen itself says %s", kind.name, ev.Progress,
						(&apiClient{t: t, http: http.DefaultClient, base: n.url, key: n.key.APIKey}).record(taskID).SuccessFlag)
				}
				if ev.SuccessFlag == "SUCCESS" {
					break watch
				}
			case <-deadline:
				t.Fatalf("%s: no SUCCESS event for %s on the event stream within 3 minutes\n%s", kind.name, taskID, n.log())
			}
		}
		cb := rcv.next(t, time.Minute)
		if progressAt.IsZero() {
			t.Fatalf("%s: the event stream brought no progress before SUCCESS: it is buffered (or the render took under a poll)", kind.name)
		}
		if !progressAt.Before(cb.at) {
			t.Errorf("%s: progress arrived at %v, after the callback at %v: the stream is buffered", kind.name, progressAt, cb.at)
		}
		t.Logf("%s: progress arrived %v before the callback", kind.name, cb.at.Sub(progressAt).Round(time.Millisecond))

		if cb.event.Data.TaskID != taskID || !cb.event.OK() {
			t.Fatalf("%s: callback %+v, want success for %s", kind.name, cb.event, taskID)
		}
		link := *cb.event.Data.VideoURL
		if !strings.HasPrefix(link, px.base+"/v1/videos/") {
			t.Fatalf("%s: callback video_url %s, want a link through the proxy (%s)", kind.name, link, px.base)
		}
		viaProxy := download(t, cl, link, "")
		direct := download(t, http.DefaultClient, n.url+strings.TrimPrefix(link, px.base), "")
		if len(viaProxy) < 1000 || !bytes.Equal(viaProxy, direct) || string(viaProxy[4:8]) != "ftyp" {
			t.Errorf("%s: the link served %d bytes through the proxy, mvgen %d: want the same MP4", kind.name, len(viaProxy), len(direct))
		}
		if part := download(t, cl, link, "bytes=100-199"); !bytes.Equal(part, direct[100:200]) {
			t.Errorf("%s: a range through the proxy served %d bytes, not bytes 100-199", kind.name, len(part))
		}

		resp := do(t, cl, mustRequest(t, http.MethodGet, px.base+"/metrics", nil))
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: /metrics through the proxy answered %d, want 404", kind.name, resp.StatusCode)
		}
		if body := string(download(t, http.DefaultClient, "http://"+n.metrics+"/metrics", "")); !strings.Contains(body, "mvgen_tasks_created_total 1") {
			t.Errorf("%s: mvgen's own /metrics (its loopback --metrics-addr) lacks mvgen_tasks_created_total 1", kind.name)
		}
		resp = do(t, cl, mustRequest(t, http.MethodGet, px.plain+"/api/v1/mp4/record-info?taskId="+taskID, nil))
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, "https://") {
			t.Errorf("%s: plain HTTP answered %d Location %q, want a redirect to https://", kind.name, resp.StatusCode, loc)
		}

		stopEvents()
		n.stop(t)
		if n.check != nil {
			calls, families := n.check.findings(t)
			for _, c := range calls {
				t.Errorf("mvgen made a system call mvgen.service's SystemCallFilter= refuses: %s", c)
			}
			for _, f := range families {
				t.Errorf("mvgen opened a socket of a family RestrictAddressFamilies= refuses: %s", f)
			}
		}
	})
}

// proxyKind is nginx or Caddy.
type proxyKind struct {
	name, tool, pkg string
	shipped         string
	// config makes the test's configuration from the shipped one.
	config func(t *testing.T, shipped string, p proxyPorts) string
	// command runs the proxy in the foreground on the configuration in
	// dir; it answers on p.https once up.
	command func(bin, dir string) *exec.Cmd
	// checkTooLarge, when set, checks a body over the upload cap.
	checkTooLarge func(t *testing.T, px *proxyRun, ca *testCA)
}

// proxyPorts are the ports and files a test configuration uses.
type proxyPorts struct {
	http, https, admin string // 127.0.0.1:PORT
	upstream           string // mvgen's (or the echo server's) address
	dir, cert, key     string
}

func newProxyPorts(t *testing.T) proxyPorts {
	return proxyPorts{http: freePort(t), https: freePort(t), admin: freePort(t), dir: t.TempDir()}
}

// host is the proxy's host:port in URLs: localhost (the certificate's
// name, and Caddy's site address) with the HTTPS port.
func (p proxyPorts) host() string { return "localhost:" + port(p.https) }

func port(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }

// replace replaces every old in s with new, failing the test when there is
// none: a shipped file that changed must not leave a production value in
// the test's configuration.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("the shipped configuration no longer has %q; update the test's substitutions", old)
	}
	return strings.ReplaceAll(s, old, new)
}

var nginx = proxyKind{
	name: "nginx", tool: "nginx", pkg: "nginx", shipped: "nginx/mvgen.conf",
	config: func(t *testing.T, s string, p proxyPorts) string {
		s = replace(t, s, "    listen [::]:80;\n", "") // loopback only: the IPv4 listen below
		s = replace(t, s, "    listen [::]:443 ssl http2;\n", "")
		s = replace(t, s, "listen 80;", "listen "+p.http+";")
		s = replace(t, s, "listen 443 ssl http2;", "listen "+p.https+" ssl http2;")
		s = replace(t, s, "server 127.0.0.1:8080;", "server "+p.upstream+";")
		s = replace(t, s, "/etc/letsencrypt/live/mvgen.example.com/fullchain.pem", p.cert)
		s = replace(t, s, "/etc/letsencrypt/live/mvgen.example.com/privkey.pem", p.key)
		s = replace(t, s, "root /var/www/html;", "root "+p.dir+";")
		site := filepath.Join(p.dir, "site.conf")
		os.WriteFile(site, []byte(s), 0o644)
		// The main file, as Debian's /etc/nginx/nginx.conf around the site
		// (gzip on included), with this test's paths.
		user := ""
		if os.Geteuid() == 0 {
			user = "user root;" // workers read and write the test's directories
		}
		return fmt.Sprintf(`daemon off;
%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    gzip on;
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[3]s;
}
`, user, p.dir, site)
	},
	command: func(bin, dir string) *exec.Cmd {
		return exec.Command(bin, "-e", "stderr", "-p", dir, "-c", filepath.Join(dir, "proxy.conf"))
	},
	checkTooLarge: func(t *testing.T, px *proxyRun, ca *testCA) {
		// A body declared over client_max_body_size is refused before it
		// is sent (HTTP/1.1, Expect: 100-continue), with the envelope.
		cl := ca.client()
		tr := cl.Transport.(*http.Transport)
		tr.ForceAttemptHTTP2, tr.ExpectContinueTimeout = false, 10*time.Second
		req := mustRequest(t, http.MethodPost, px.base+"/api/v1/tracks", io.LimitReader(zeros{}, 230<<20))
		req.ContentLength = 230 << 20
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Expect", "100-continue")
		resp := do(t, cl, req)
		defer resp.Body.Close()
		var env struct{ Code int }
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(body, &env) != nil || env.Code != 413 {
			t.Errorf("nginx: a 230 MiB upload answered %d %s, want 413 with the envelope", resp.StatusCode, body)
		}
	},
}

var caddy = proxyKind{
	name: "caddy", tool: "caddy", pkg: "caddy", shipped: "Caddyfile",
	config: func(t *testing.T, s string, p proxyPorts) string {
		s = replace(t, s, "http_port 80", "http_port "+port(p.http))
		s = replace(t, s, "https_port 443", "https_port "+port(p.https))
		s = replace(t, s, "admin localhost:2019", "admin "+p.admin)
		// No ACME here: the test's certificate, and loopback only.
		s = replace(t, s, "mvgen.example.com {", "localhost {\n\ttls "+p.cert+" "+p.key+"\n\tbind 127.0.0.1")
		return replace(t, s, "127.0.0.1:8080", p.upstream)
	},
	command: func(bin, dir string) *exec.Cmd {
		cmd := exec.Command(bin, "run", "--config", filepath.Join(dir, "proxy.conf"), "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"),
			"XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
		return cmd
	},
}

// proxyRun is a running proxy.
type proxyRun struct {
	base  string // https://localhost:PORT
	plain string // http://localhost:PORT, which redirects
}

func startProxy(t *testing.T, kind proxyKind, bin string, ca *testCA, upstream string) *proxyRun {
	return startProxyOn(t, kind, bin, ca, newProxyPorts(t), upstream)
}

// startProxyOn runs the proxy on p in front of upstream until the test
// ends.
func startProxyOn(t *testing.T, kind proxyKind, bin string, ca *testCA, p proxyPorts, upstream string) *proxyRun {
	t.Helper()
	p.upstream, p.cert, p.key = upstream, ca.cert, ca.key
	shipped, err := os.ReadFile(kind.shipped)
	if err != nil {
		t.Fatal(err)
	}
	conf := kind.config(t, string(shipped), p)
	if err := os.WriteFile(filepath.Join(p.dir, "proxy.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := kind.command(bin, p.dir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the proxy has exited, with its error in waitErr:
	// both the wait for it to answer and the cleanup read it (a channel
	// of one value, taken by the first, left the cleanup waiting forever).
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the group this test started
			<-exited
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", kind.name, logs.String())
		}
	})
	px := &proxyRun{base: "https://" + p.host(), plain: "http://localhost:" + port(p.http)}
	cl := ca.client()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("%s exited: %v\n%s", kind.name, waitErr, logs.String())
		default:
		}
		resp, err := cl.Get(px.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return px
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer on %s: %v\n%s", kind.name, px.base, err, logs.String())
		}
	}
}

// echo is an upstream that answers every request 200 and remembers them.
type echo struct {
	addr string
	mu   sync.Mutex
	reqs []*http.Request
}

func newEcho(t *testing.T) *echo {
	e := &echo{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.reqs = append(e.reqs, r.Clone(context.Background()))
		e.mu.Unlock()
		io.WriteString(w, "echo")
	}))
	t.Cleanup(s.Close)
	e.addr = strings.TrimPrefix(s.URL, "http://")
	return e
}

// last is the header of the last request that is not a probe.
func (e *echo) last() http.Header {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.reqs) - 1; i >= 0; i-- {
		if e.reqs[i].URL.Path != "/healthz" {
			return e.reqs[i].Header
		}
	}
	return nil
}

// paths are the request URIs that reached it.
func (e *echo) paths() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ps []string
	for _, r := range e.reqs {
		ps = append(ps, r.RequestURI)
	}
	return ps
}

// apiClient calls mvgen's API with a key.
type apiClient struct {
	t         *testing.T
	http      *http.Client
	base, key string
}

func (c *apiClient) call(req *http.Request, data any) {
	c.t.Helper()
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp := do(c.t, c.http, req)
	defer resp.Body.Close()
	var env struct {
		Code int
		Msg  string
		Data json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 200 {
		c.t.Fatalf("%s %s: HTTP %d, code %d %s (%v)", req.Method, req.URL.Path, resp.StatusCode, env.Code, env.Msg, err)
	}
	if data != nil {
		if err := json.Unmarshal(env.Data, data); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *apiClient) upload(audio string) (musicID, audioID string) {
	c.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { // streamed, as a browser sends it
		mw.WriteField("title", "Through the proxy")
		fw, _ := mw.CreateFormFile("audio", filepath.Base(audio))
		f, err := os.Open(audio)
		if err == nil {
			io.Copy(fw, f)
			f.Close()
		}
		pw.CloseWithError(mw.Close())
	}()
	req := mustRequest(c.t, http.MethodPost, c.base+"/api/v1/tracks", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var d struct{ TaskID, AudioID string }
	c.call(req, &d)
	return d.TaskID, d.AudioID
}

func (c *apiClient) generate(body map[string]any) string {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req := mustRequest(c.t, http.MethodPost, c.base+"/api/v1/mp4/generate", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	var d struct{ TaskID string }
	c.call(req, &d)
	return d.TaskID
}

type record struct{ SuccessFlag string }

func (c *apiClient) record(id string) record {
	c.t.Helper()
	var r record
	c.call(mustRequest(c.t, http.MethodGet, c.base+"/api/v1/mp4/record-info?taskId="+id, nil), &r)
	return r
}

// taskEvent is one "task" event of the event stream, with when it arrived.
type taskEvent struct {
	TaskID      string `json:"taskId"`
	SuccessFlag string `json:"successFlag"`
	Progress    int    `json:"progress"`
	at          time.Time
}

// events opens GET /api/v1/mp4/events and sends each task event on the
// channel as it arrives, until ctx ends.
func (c *apiClient) events(ctx context.Context) <-chan taskEvent {
	c.t.Helper()
	req := mustRequest(c.t, http.MethodGet, c.base+"/api/v1/mp4/events", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp := do(c.t, c.http, req)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		c.t.Fatalf("event stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan taskEvent, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			var ev taskEvent
			if !ok || json.Unmarshal([]byte(data), &ev) != nil || ev.TaskID == "" {
				continue
			}
			ev.at = time.Now()
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// callback is one verified callback.
type callback struct {
	event *webhook.Event
	at    time.Time
}

// receiver takes callbacks on loopback, answers 200 to those signed with
// the key's secret and 401 to others.
type receiver struct {
	*httptest.Server
	calls chan callback
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{calls: make(chan callback, 10)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		ev, err := webhook.ParseEvent(body)
		if verr := webhook.Verify(secret, req.Header, body); verr != nil || err != nil {
			t.Errorf("callback not signed with the key's secret (%v) or unreadable (%v): %s", verr, err, body)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.calls <- callback{event: ev, at: at}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T, timeout time.Duration) callback {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(timeout):
		t.Fatalf("no callback within %v", timeout)
		return callback{}
	}
}

func mustRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t *testing.T, cl *http.Client, req *http.Request) *http.Response {
	t.Helper()
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp
}

// download GETs url (a byte range when rng is set) and wants 200 (206).
func download(t *testing.T, cl *http.Client, url, rng string) []byte {
	t.Helper()
	req := mustRequest(t, http.MethodGet, url, nil)
	want := http.StatusOK
	if rng != "" {
		req.Header.Set("Range", rng)
		want = http.StatusPartialContent
	}
	resp := do(t, cl, req)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != want {
		t.Fatalf("GET %s: %d (%v), want %d", url, resp.StatusCode, err, want)
	}
	return b
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// makeAudio writes a tone of the given seconds as a 192 kbit/s MP3.
func makeAudio(t *testing.T, seconds int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "song.mp3")
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("sine=frequency=330:duration=%d", seconds), "-b:a", "192k", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	return path
}
