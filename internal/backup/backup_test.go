package backup_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/backup"
	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// TestBackupWhileRendering backs up a running server while one task
// renders, others wait for their render and finished ones wait for a
// callback retry (the receiver refuses every callback until the restore).
// Restored into a new directory and served there: every video link of a
// task that had succeeded serves the same bytes, under its old path and a
// new one; every pending task finishes; every task's callback arrives
// signed with the key's webhook secret; the key authenticates and a revoked
// key stays revoked.
func TestBackupWhileRendering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rcv := newReceiver(t)
	dirA := filepath.Join(t.TempDir(), "a")
	a := start(t, dirA)
	k := newKey(t, a.Store())
	revoked := newKey(t, a.Store())
	if err := a.Store().RevokeKey(ctx, revoked.id, time.Now()); err != nil {
		t.Fatal(err)
	}
	rcv.secret = k.secret

	audio := makeAudio(t, 30)
	musicID, audioID := k.upload(t, a.URL(), audio)
	var ids []string
	for i := range 4 { // a different author each: four renders, none reused
		ids = append(ids, k.generate(t, a.URL(), map[string]any{"taskId": musicID, "audioId": audioID,
			"callBackUrl": rcv.URL + "/hook", "author": fmt.Sprintf("Author %d", i)}))
	}

	// Back up once a task succeeded and had a callback refused while
	// another renders.
	waitFor(t, 3*time.Minute, "a task succeeded with a refused callback while another renders", func() bool {
		var success, rendering bool
		for _, id := range ids {
			task, err := a.Store().Task(ctx, k.id, id)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case task.Status == mvgen.StatusSuccess:
				as, _ := a.Store().Attempts(ctx, id)
				success = success || len(as) > 0
			case task.Status == mvgen.StatusPending && task.Progress > 0:
				rendering = true
			}
		}
		return success && rendering
	})
	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Write(ctx, backup.DataDir(dirA), f, backup.Options{Gzip: true, Version: "test"})
	if err != nil {
		t.Fatalf("backup.Write while serving: %v", err)
	}
	f.Close()
	if len(m.Missing) > 0 {
		t.Errorf("the backup misses files the database names: %v", m.Missing)
	}

	dirB := filepath.Join(t.TempDir(), "b")
	f, _ = os.Open(archive)
	if _, err := backup.Restore(ctx, f, dirB, backup.RestoreOptions{}); err != nil {
		t.Fatalf("backup.Restore: %v", err)
	}
	f.Close()

	// What the backup holds: which tasks had succeeded, which were pending
	// and how far the rendering one had got.
	restored, err := server.OpenStore(ctx, server.Config{DataDir: dirB})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := restored.ListTasks(ctx, k.id, store.TaskQuery{Limit: 10})
	restored.Close()
	if err != nil {
		t.Fatal(err)
	}
	succeeded := map[string][]byte{} // task id → the video A served
	links := map[string]string{}     // task id → A's link
	var pending, rendering int
	for _, l := range listed {
		switch l.Status {
		case mvgen.StatusSuccess:
			links[l.ID] = k.record(t, a.URL(), l.ID).Response.VideoURL
			succeeded[l.ID] = get(t, links[l.ID])
		case mvgen.StatusPending:
			pending++
			if l.Progress > 0 {
				rendering++
			}
		}
	}
	t.Logf("backup: %d tasks succeeded, %d pending (%d rendering), %d files", len(succeeded), pending, rendering, len(m.Entries)-1)
	if len(succeeded) == 0 || pending == 0 || rendering == 0 {
		t.Fatalf("the backup holds %d succeeded and %d pending tasks, %d rendering: want each", len(succeeded), pending, rendering)
	}
	a.stop(t)

	rcv.accept()
	b := start(t, dirB)
	for id, want := range succeeded {
		// A's link on B's address: the link key came back with the database.
		u, _ := url.Parse(links[id])
		if got := get(t, b.URL()+u.RequestURI()); !bytes.Equal(got, want) {
			t.Errorf("task %s: A's link on B serves %d bytes, not the %d A served", id, len(got), len(want))
		}
		if got := get(t, k.record(t, b.URL(), id).Response.VideoURL); !bytes.Equal(got, want) {
			t.Errorf("task %s: B's link serves %d bytes, not the %d A served", id, len(got), len(want))
		}
	}
	for _, id := range ids {
		waitFor(t, 3*time.Minute, "task "+id+" to succeed on the restored server", func() bool {
			return k.record(t, b.URL(), id).SuccessFlag == "SUCCESS"
		})
	}
	waitFor(t, time.Minute, "every task's callback, signed with the key's secret", func() bool {
		return rcv.delivered(ids)
	})
	if code := (&client{token: revoked.token}).status(t, b.URL(), "/api/v1/mp4/record-info?taskId="+ids[0]); code != http.StatusUnauthorized {
		t.Errorf("a key revoked before the backup answers %d on the restored server, want 401", code)
	}
	if rcv.forged() > 0 {
		t.Errorf("%d callbacks did not verify with the key's webhook secret", rcv.forged())
	}
}

// TestRestoreRefuses: a directory a server holds, a non-empty directory
// without Force, and archives that are cut short, altered or reach outside
// the directory restore nothing.
func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, dir)
	k := newKey(t, s.Store())
	k.upload(t, s.URL(), makeAudio(t, 2))
	var good bytes.Buffer
	if _, err := backup.Write(ctx, backup.DataDir(dir), &good, backup.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, bytes.NewReader(good.Bytes()), dir, backup.RestoreOptions{Force: true}); !errors.Is(err, backup.ErrInUse) {
		t.Errorf("restore into the directory of a running server: %v, want ErrInUse", err)
	}
	s.stop(t)

	target := filepath.Join(t.TempDir(), "target")
	if _, err := backup.Restore(ctx, bytes.NewReader(good.Bytes()), target, backup.RestoreOptions{}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	before := tree(t, target)
	if _, err := backup.Restore(ctx, bytes.NewReader(good.Bytes()), target, backup.RestoreOptions{}); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("restore into a restored directory without Force: %v, want ErrNotEmpty", err)
	}
	raw := good.Bytes()
	audioAt := bytes.Index(raw, []byte("ID3")) // the uploaded MP3's first bytes
	if audioAt < 0 {
		t.Fatal("no MP3 in the archive")
	}
	altered := bytes.Clone(raw)
	altered[audioAt+100] ^= 0xff
	for _, tc := range []struct {
		name    string
		archive []byte
		want    string
	}{
		{"cut short", raw[:len(raw)/2], ""},
		{"altered", altered, "differs from the manifest"},
		{"outside the directory", tarOf(t, "files/../../evil", "x"), "invalid key"},
		{"not a backup", tarOf(t, "etc/passwd", "x"), "not part of an mvgen backup"},
		{"no manifest", tarOf(t, "mvgen.db", "x"), "no manifest"},
	} {
		_, err := backup.Restore(ctx, bytes.NewReader(tc.archive), target, backup.RestoreOptions{Force: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
		if after := tree(t, target); after != before {
			t.Errorf("%s: the target changed:\n%s\nwas\n%s", tc.name, after, before)
		}
	}
}

// tree lists the files under dir with their sizes.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			fmt.Fprintf(&b, "%s %d\n", strings.TrimPrefix(path, dir), fi.Size())
		}
		return nil
	})
	return b.String()
}

// tarOf is a one-entry tar archive.
func tarOf(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	tw.Close()
	return buf.Bytes()
}

// running is a server started by start.
type running struct {
	*server.Server
	cancel context.CancelFunc
	done   chan error
}

// start runs the real service on 127.0.0.1:0 over dir, with callbacks to
// loopback and a short retry schedule.
func start(t *testing.T, dir string) *running {
	t.Helper()
	sched := make([]time.Duration, 30)
	for i := range sched {
		sched[i] = time.Second
	}
	s, err := server.Open(context.Background(), server.Config{DataDir: dir, Addr: "127.0.0.1:0", MetricsAddr: server.MetricsOff,
		CallbackAllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, CallbackSchedule: sched,
		LimitConfig: server.LimitConfig{RateLimit: limit.Off}, ShutdownGrace: time.Second})
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Server: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
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

// client is an API key.
type client struct {
	id, token, secret string
}

func newKey(t *testing.T, s store.Store) *client {
	t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	k, token := mvgen.NewKey(t.Name(), secret, time.Now())
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return &client{id: k.ID, token: token, secret: secret}
}

// call sends a request with the key and decodes the envelope's data into
// data (when non-nil), failing the test on anything but code 200.
func (c *client) call(t *testing.T, req *http.Request, data any) {
	t.Helper()
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Code int
		Msg  string
		Data json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 200 {
		t.Fatalf("%s %s: %d %s (%v)", req.Method, req.URL.Path, env.Code, env.Msg, err)
	}
	if data != nil {
		if err := json.Unmarshal(env.Data, data); err != nil {
			t.Fatal(err)
		}
	}
}

func (c *client) status(t *testing.T, base, path string) int {
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (c *client) upload(t *testing.T, base, audio string) (musicID, audioID string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("audio", filepath.Base(audio))
	b, err := os.ReadFile(audio)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(b)
	mw.WriteField("title", "Backed up")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/tracks", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var d struct{ TaskID, AudioID string }
	c.call(t, req, &d)
	return d.TaskID, d.AudioID
}

func (c *client) generate(t *testing.T, base string, body map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/mp4/generate", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	var d struct{ TaskID string }
	c.call(t, req, &d)
	return d.TaskID
}

type record struct {
	SuccessFlag string
	Response    struct{ VideoURL string }
}

func (c *client) record(t *testing.T, base, id string) record {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/mp4/record-info?taskId="+id, nil)
	var r record
	c.call(t, req, &r)
	return r
}

// get downloads url, failing the test on anything but 200.
func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d (%v)", url, resp.StatusCode, err)
	}
	return b
}

// receiver refuses every callback (500) until accept, then answers 200.
// It verifies each with secret and records the tasks it accepted.
type receiver struct {
	*httptest.Server
	secret string

	mu        sync.Mutex
	accepting bool
	ok        map[string]bool
	bad       int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{ok: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		r.mu.Lock()
		defer r.mu.Unlock()
		ev, perr := webhook.ParseEvent(body)
		if err := webhook.Verify(r.secret, req.Header, body); err != nil || perr != nil {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !r.accepting {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if ev.OK() {
			r.ok[ev.Data.TaskID] = true
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) accept() { r.mu.Lock(); r.accepting = true; r.mu.Unlock() }

func (r *receiver) forged() int { r.mu.Lock(); defer r.mu.Unlock(); return r.bad }

func (r *receiver) delivered(ids []string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if !r.ok[id] {
			return false
		}
	}
	return true
}

// makeAudio writes a tone of the given seconds as an MP3.
func makeAudio(t *testing.T, seconds int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "song.mp3")
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("sine=frequency=330:duration=%d", seconds), "-b:a", "128k", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	return path
}

func waitFor(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
	}
}
