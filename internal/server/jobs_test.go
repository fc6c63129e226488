package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mvreceiver "github.com/mvgen/mvgen/internal/receiver"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

// jobsClient is a client of kie.ai's jobs API written from its documented
// examples, not from mvgen's code: it creates a task with the documented
// body, polls recordInfo (whose envelope says "message") until the state is
// success or fail, reads resultJson as a JSON string of resultUrls, and
// verifies a callback with kie.ai's signing sample (HMAC-SHA256 of
// data.task_id + "." + X-Webhook-Timestamp, base64).
type jobsClient struct {
	t      *testing.T
	base   string
	apiKey string
	secret string // the webhook HMAC key, as pasted from mvgen keys create
}

func (c *jobsClient) send(method, path string, body any) map[string]any {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// createTask asks for a music video of a track and returns the task id.
func (c *jobsClient) createTask(taskID, audioID, callBackURL string) string {
	c.t.Helper()
	out := c.send(http.MethodPost, "/api/v1/jobs/createTask", map[string]any{
		"model": "ai-music-api/create-music-video", "callBackUrl": callBackURL,
		"input": map[string]any{"task_id": taskID, "audio_id": audioID, "author": "DJ Electronic", "domain_name": "music.example.com"}})
	data, _ := out["data"].(map[string]any)
	id, _ := data["taskId"].(string)
	if out["code"] != 200.0 || id == "" {
		c.t.Fatalf("createTask: %v", out)
	}
	return id
}

// poll reads recordInfo until the task is done.
func (c *jobsClient) poll(id string, timeout time.Duration) map[string]any {
	c.t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out := c.send(http.MethodGet, "/api/v1/jobs/recordInfo?taskId="+id, nil)
		if out["code"] != 200.0 || out["message"] != "success" {
			c.t.Fatalf("recordInfo: %v", out)
		}
		data := out["data"].(map[string]any)
		if s := data["state"]; s == "success" || s == "fail" {
			return data
		}
	}
	c.t.Fatalf("task %s not done within %v", id, timeout)
	return nil
}

// resultURL is resultJson's resultUrls[0].
func resultURL(t *testing.T, data map[string]any) string {
	t.Helper()
	var result struct {
		ResultURLs []string `json:"resultUrls"`
	}
	s, _ := data["resultJson"].(string)
	if err := json.Unmarshal([]byte(s), &result); err != nil || len(result.ResultURLs) != 1 {
		t.Fatalf("resultJson = %q: want a JSON string with one resultUrls entry (%v)", s, err)
	}
	return result.ResultURLs[0]
}

// verify checks a callback as kie.ai's signing sample does, and returns
// its body.
func (c *jobsClient) verify(cb callback) map[string]any {
	c.t.Helper()
	var body map[string]any
	if err := json.Unmarshal(cb.body, &body); err != nil {
		c.t.Fatalf("callback %s: %v", cb.body, err)
	}
	data, _ := body["data"].(map[string]any)
	taskID, _ := data["task_id"].(string)
	mac := hmac.New(sha256.New, []byte(c.secret))
	fmt.Fprintf(mac, "%s.%s", taskID, cb.header.Get("X-Webhook-Timestamp"))
	if !hmac.Equal([]byte(cb.header.Get("X-Webhook-Signature")), []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))) {
		c.t.Errorf("X-Webhook-Signature does not verify over data.task_id %q", taskID)
	}
	if data["taskId"] != taskID {
		c.t.Errorf("callback data.taskId %v, data.task_id %q: want the same", data["taskId"], taskID)
	}
	return body
}

// TestJobsDialect is issue 22's "done when": a client that speaks only the
// jobs API makes a video of an uploaded track and one of an upstream song
// made through the jobs API, polls recordInfo to success, downloads
// resultUrls[0] and verifies its callback; failures come back as fail with
// their code.
func TestJobsDialect(t *testing.T) {
	t.Parallel()
	jobsDialect(t, serverConfig(t.TempDir()))
}

// TestJobsDialectPostgres is the same on PostgreSQL.
func TestJobsDialectPostgres(t *testing.T) {
	t.Parallel()
	cfg := serverConfig(t.TempDir())
	cfg.DB = pgtest.DSN(t)
	jobsDialect(t, cfg)
}

func jobsDialect(t *testing.T, cfg server.Config) {
	const upstreamKey = "sk-hosted-jobs-51c0"
	fake, err := upstreamtest.Start(t.TempDir(), upstreamKey, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	cfg.UpstreamURL = fake.URL
	srv := startServer(t, cfg)
	c := newClient(t, srv.Store(), srv.URL())
	if err := srv.Store().SetUpstreamKey(context.Background(), keyOf(t, srv, t.Name()).ID, upstreamKey); err != nil {
		t.Fatal(err)
	}
	jc := &jobsClient{t: t, base: srv.URL(), apiKey: c.token, secret: c.secret}
	rcv := newReceiver(t)
	upstreamAudio := filepath.Join(t.TempDir(), "upstream.mp3")
	os.WriteFile(upstreamAudio, fake.Audio(), 0o600)

	uploaded := makeAudio(t, t.TempDir(), "track.mp3", 4)
	musicID, audioID := c.upload(uploaded, "", "Uploaded")
	jobsMusic, jobsAudio := fake.AddJobsTask("success", "Night City", "Iron Man")
	for _, tc := range []struct {
		name, musicID, audioID, audio string
	}{
		{"uploaded track", musicID, audioID, uploaded},
		{"upstream song made through the jobs API", jobsMusic, jobsAudio[1], upstreamAudio},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jc := *jc
			jc.t = t
			id := jc.createTask(tc.musicID, tc.audioID, rcv.URL+"/hook")
			data := jc.poll(id, 2*time.Minute)
			if data["state"] != "success" || data["taskId"] != id || data["model"] != "ai-music-api/create-music-video" ||
				data["failCode"] != "" || !strings.Contains(data["param"].(string), `"task_id":"`+tc.musicID+`"`) {
				t.Fatalf("recordInfo = %v", data)
			}
			checkVideo(t, download(t, resultURL(t, data), filepath.Join(t.TempDir(), "v.mp4")), tc.audio)
			body := jc.verify(rcv.next(t, time.Minute))
			cbData := body["data"].(map[string]any)
			if body["code"] != 200.0 || body["msg"] != "Playground task completed successfully." || cbData["taskId"] != id ||
				cbData["state"] != "success" || cbData["video_url"] == nil {
				t.Errorf("callback = %v", body)
			}
			checkVideo(t, download(t, resultURL(t, cbData), filepath.Join(t.TempDir(), "cb.mp4")), tc.audio)
		})
	}

	t.Run("failures", func(t *testing.T) {
		jc := *jc
		jc.t = t
		notAudio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, strings.Repeat("not audio ", 100))
		}))
		defer notAudio.Close()
		e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": notAudio.URL + "/song.mp3"})
		var tr struct{ TaskID, AudioID string }
		if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
			t.Fatalf("registering a track: %d %s", e.Code, e.Msg)
		}
		id := jc.createTask(tr.TaskID, tr.AudioID, rcv.URL+"/hook")
		data := jc.poll(id, time.Minute)
		if data["state"] != "fail" || data["failCode"] != "400" || data["failMsg"] == "" || data["resultJson"] != "" {
			t.Errorf("recordInfo of a source that is not audio = %v, want fail with failCode 400", data)
		}
		body := jc.verify(rcv.next(t, time.Minute))
		if d := body["data"].(map[string]any); body["code"] != 501.0 || body["msg"] != "Playground task failed." ||
			d["failCode"] != "400" || d["video_url"] != nil {
			t.Errorf("failure callback = %v", body)
		}
		// A song that failed upstream is refused at once, naming it.
		failedMusic, failedAudio := fake.AddJobsTask("fail", "Broken")
		out := jc.send(http.MethodPost, "/api/v1/jobs/createTask", map[string]any{"model": "ai-music-api/create-music-video",
			"input": map[string]any{"task_id": failedMusic, "audio_id": failedAudio[0]}})
		if out["code"] != 422.0 || !strings.Contains(fmt.Sprint(out["msg"]), "failed upstream") {
			t.Errorf("createTask of a song that failed upstream = %v, want 422 naming it", out)
		}
	})
}

// TestReceiveJobsCallback: `mvgen receive`'s engine, written for the older
// body, takes the jobs callback of a task made through createTask (its data
// carries task_id and video_url too) and saves the video.
func TestReceiveJobsCallback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, serverConfig(dir))
	c := newClient(t, srv.Store(), srv.URL())
	out := filepath.Join(dir, "videos")
	os.MkdirAll(out, 0o755)
	rcv := &mvreceiver.Receiver{Secrets: []string{c.secret}, Dir: out, RetryDelay: 50 * time.Millisecond}
	hooks := httptest.NewServer(rcv.Handler())
	defer hooks.Close()
	audio := makeAudio(t, t.TempDir(), "a.mp3", 3)
	m, a := c.upload(audio, "", "received")
	jc := &jobsClient{t: t, base: srv.URL(), apiKey: c.token, secret: c.secret}
	id := jc.createTask(m, a, hooks.URL+"/")
	video := filepath.Join(out, "music_video_"+id+".mp4")
	waitFile(t, video)
	b, err := os.ReadFile(video)
	if err != nil {
		t.Fatal(err)
	}
	checkVideo(t, b, audio)
	rcv.Wait()
}
