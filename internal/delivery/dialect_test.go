package delivery

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// TestBodyByDialect pins the callback body of each dialect byte for byte: a
// task made through generate keeps contract §4's body; one made through the
// jobs API gets the jobs envelope with the older task_id and video_url
// (§12).
func TestBodyByDialect(t *testing.T) {
	t.Parallel()
	links := &link.Signer{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "https://v.example"}
	created := time.UnixMilli(1767225600000).UTC()
	done := created.Add(12345 * time.Millisecond)
	task := func(d mvgen.Dialect, status mvgen.Status) *mvgen.Task {
		tk := &mvgen.Task{ID: "t1", MusicTaskID: "m1", AudioID: "a1", CallbackURL: "https://cb.example/h", Status: status,
			Dialect: d, CreatedAt: created, CompletedAt: done, ExpiresAt: done.Add(link.Validity)}
		if d == mvgen.DialectJobs {
			tk.Param = `{"model":"ai-music-api/create-music-video","callBackUrl":"https://cb.example/h","input":{"task_id":"m1","audio_id":"a1"}}`
		}
		if status != mvgen.StatusSuccess {
			tk.ErrorCode, tk.ErrorMessage = webhook.CodeDownloadFailed, "Source audio file download failed"
		}
		return tk
	}
	url := links.URL("t1", done.Add(link.Validity))
	param := `"{\"model\":\"ai-music-api/create-music-video\",\"callBackUrl\":\"https://cb.example/h\",\"input\":{\"task_id\":\"m1\",\"audio_id\":\"a1\"}}"`
	for _, tc := range []struct {
		name string
		task *mvgen.Task
		want string
	}{
		{"mp4 success", task(mvgen.DialectMP4, mvgen.StatusSuccess),
			`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"t1","video_url":"` + url + `"}}`},
		{"mp4 failure", task(mvgen.DialectMP4, mvgen.StatusCreateFailed),
			`{"code":451,"msg":"Source audio file download failed","data":{"task_id":"t1","video_url":null}}`},
		{"jobs success", task(mvgen.DialectJobs, mvgen.StatusSuccess),
			`{"code":200,"msg":"Playground task completed successfully.","data":{"taskId":"t1","model":"ai-music-api/create-music-video",` +
				`"state":"success","param":` + param + `,"resultJson":"{\"resultUrls\":[\"` + url + `\"]}","failCode":"","failMsg":"",` +
				`"costTime":12345,"completeTime":1767225612345,"createTime":1767225600000,"updateTime":1767225612345,` +
				`"task_id":"t1","video_url":"` + url + `"}}`},
		{"jobs failure", task(mvgen.DialectJobs, mvgen.StatusCreateFailed),
			`{"code":501,"msg":"Playground task failed.","data":{"taskId":"t1","model":"ai-music-api/create-music-video",` +
				`"state":"fail","param":` + param + `,"resultJson":"","failCode":"451","failMsg":"Source audio file download failed",` +
				`"costTime":12345,"completeTime":1767225612345,"createTime":1767225600000,"updateTime":1767225612345,` +
				`"task_id":"t1","video_url":null}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := body(tc.task, links)
			if err != nil || string(got) != tc.want {
				t.Errorf("body = %s, %v\nwant %s", got, err, tc.want)
			}
		})
	}
}

// TestBodyOfKit pins the callback body of a task with renditions (contract
// §6.5): §4's body with data.videos, rendition 0 first, each with its own
// signed links; the jobs body lists every video in resultUrls. A failed
// kit's body is §4's failure body exactly.
func TestBodyOfKit(t *testing.T) {
	t.Parallel()
	links := &link.Signer{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "https://v.example"}
	done := time.UnixMilli(1767225612345).UTC()
	exp := done.Add(link.Validity)
	tk := &mvgen.Task{ID: "t1", Aspect: "16:9", Status: mvgen.StatusSuccess, CreatedAt: done.Add(-time.Minute), CompletedAt: done,
		ExpiresAt: exp, Duration: 30 * time.Second, Captions: mvgen.CaptionsStored,
		Renditions: []mvgen.Rendition{
			{Index: 1, Aspect: "9:16", Width: 720, Height: 1280, Duration: 30 * time.Second},
			{Index: 2, Aspect: "4:5", Resolution: "1080p", Clip: &mvgen.Clip{Auto: true, Duration: 15 * time.Second},
				Width: 1080, Height: 1350, Start: 12500 * time.Millisecond, Duration: 15 * time.Second, Captions: mvgen.CaptionsStored}}}
	caps := func(f string) string {
		return `{"srt":"` + links.CaptionURL(f, "srt", exp) + `","vtt":"` + links.CaptionURL(f, "vtt", exp) +
			`","lrc":"` + links.CaptionURL(f, "lrc", exp) + `"}`
	}
	want := `{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"t1","video_url":"` + links.URL("t1", exp) + `","videos":[` +
		`{"aspect":"16:9","resolution":"720p","width":1280,"height":720,"start":0,"duration":30,"videoUrl":"` + links.URL("t1", exp) +
		`","posterUrl":"` + links.PosterURL("t1", exp) + `","captions":` + caps("t1") + `},` +
		`{"aspect":"9:16","resolution":"720p","width":720,"height":1280,"start":0,"duration":30,"videoUrl":"` + links.URL("t1-1", exp) +
		`","posterUrl":"` + links.PosterURL("t1-1", exp) + `","captions":null},` +
		`{"aspect":"4:5","resolution":"1080p","width":1080,"height":1350,"start":12.5,"duration":15,"videoUrl":"` + links.URL("t1-2", exp) +
		`","posterUrl":"` + links.PosterURL("t1-2", exp) + `","captions":` + caps("t1-2") + `}]}}`
	if got, err := body(tk, links); err != nil || string(got) != want {
		t.Errorf("body = %s, %v\nwant %s", got, err, want)
	}

	jobs := *tk
	jobs.Dialect = mvgen.DialectJobs
	got, err := body(&jobs, links)
	urls := `\"resultUrls\":[\"` + links.URL("t1", exp) + `\",\"` + links.URL("t1-1", exp) + `\",\"` + links.URL("t1-2", exp) + `\"]`
	if err != nil || !strings.Contains(string(got), urls) {
		t.Errorf("jobs body = %s, %v\nwant resultUrls %s", got, err, urls)
	}

	failed := *tk
	failed.Status, failed.ErrorCode, failed.ErrorMessage = mvgen.StatusRenderFailed, 400, "rendition 2: the clip is too short"
	if got, err := body(&failed, links); err != nil ||
		string(got) != `{"code":400,"msg":"rendition 2: the clip is too short","data":{"task_id":"t1","video_url":null}}` {
		t.Errorf("failed kit body = %s, %v; want §4's failure body", got, err)
	}
}

// TestJobsCallbackDelivered: a jobs task's callback goes out over loopback
// with both signatures, the legacy one over its taskId, and the older
// receivers' parser reads it.
func TestJobsCallbackDelivered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	got := make(chan *http.Request, 1)
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotBody, _ = io.ReadAll(r.Body)
		got <- r
	}))
	defer srv.Close()
	ctx := context.Background()
	tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: f.key.ID, MusicTaskID: "m", AudioID: "a", CallbackURL: srv.URL,
		Status: mvgen.StatusPending, RenderKey: mvgen.NewID(), WebhookID: "msg_" + mvgen.NewID(), CreatedAt: time.Now(),
		Dialect: mvgen.DialectJobs, Param: `{"model":"ai-music-api/create-music-video","input":{"task_id":"m","audio_id":"a"}}`}
	if _, err := f.db.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := f.db.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: "v",
		CompletedAt: now, ExpiresAt: now.Add(link.Validity)}); err != nil {
		t.Fatal(err)
	}
	if next := f.step(tk.ID); next >= 0 {
		t.Fatalf("step after a 200 = %v, want the delivery over", next)
	}
	r := <-got
	if err := webhook.Verify(f.key.WebhookSecret, r.Header, gotBody); err != nil {
		t.Errorf("Standard Webhooks signature: %v", err)
	}
	legacy := webhook.Verifier{Secrets: []string{f.key.WebhookSecret}, Legacy: true}
	if err := legacy.Verify(r.Header, gotBody); err != nil {
		t.Errorf("legacy signature over the taskId: %v", err)
	}
	ev, err := webhook.ParseEvent(gotBody)
	if err != nil || !ev.OK() || ev.Data.TaskID != tk.ID {
		t.Errorf("the older body's parser reads %+v, %v; want a finished video of %s", ev, err, tk.ID)
	}
}
