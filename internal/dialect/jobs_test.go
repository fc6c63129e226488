package dialect

import (
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

func TestJobsState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   mvgen.Status
		progress int
		want     string
	}{
		{mvgen.StatusPending, 0, JobsQueuing},
		{mvgen.StatusPending, 1, JobsGenerating},
		{mvgen.StatusSuccess, 100, JobsSuccess},
		{mvgen.StatusCallbackException, 100, JobsSuccess},
		{mvgen.StatusCreateFailed, 0, JobsFail},
		{mvgen.StatusRenderFailed, 0, JobsFail},
	} {
		if got := JobsState(&mvgen.Task{Status: tc.status, Progress: tc.progress}); got != tc.want {
			t.Errorf("JobsState(%s, %d%%) = %q, want %q", tc.status, tc.progress, got, tc.want)
		}
	}
}

func TestJobsInputNames(t *testing.T) {
	t.Parallel()
	want := map[string]string{"task_id": "taskId", "audio_id": "audioId", "author": "author", "domain_name": "domainName",
		"aspect": "aspect", "resolution": "resolution", "lyrics": "lyrics"}
	got := JobsInputNames()
	for snake, camel := range want {
		if got[snake] != camel {
			t.Errorf("JobsInputNames()[%q] = %q, want %q", snake, got[snake], camel)
		}
	}
	if _, ok := got["call_back_url"]; ok {
		t.Error("callBackUrl is an input field; it goes beside model and input")
	}
	for _, tc := range [][2]string{{"taskId", "task_id"}, {"safeArea", "safe_area"}, {"embedCaptions", "embed_captions"}, {"fps", "fps"}} {
		if got := SnakeCase(tc[0]); got != tc[1] {
			t.Errorf("SnakeCase(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	if got := JobsFieldName("callBackUrl"); got != "callBackUrl" {
		t.Errorf("JobsFieldName(callBackUrl) = %q", got)
	}
	if got := JobsFieldName("domainName"); got != "input.domain_name" {
		t.Errorf("JobsFieldName(domainName) = %q", got)
	}
}

// TestJobsRecord: a task made by generate reads in the jobs shape, its
// request as the jobs request it would have been; an expired link leaves
// resultUrls empty but present.
func TestJobsRecord(t *testing.T) {
	t.Parallel()
	created := time.UnixMilli(1767225600000)
	tk := &mvgen.Task{ID: "t1", MusicTaskID: "m1", AudioID: "a1", CallbackURL: "https://cb.example/h", Author: "Ada",
		Aspect: "9:16", NoLyrics: true, Status: mvgen.StatusSuccess, CreatedAt: created, CompletedAt: created.Add(2 * time.Second)}
	r := NewJobsRecord(tk, nil)
	wantParam := `{"callBackUrl":"https://cb.example/h","input":{"aspect":"9:16","audio_id":"a1","author":"Ada","lyrics":false,"task_id":"m1"},"model":"ai-music-api/create-music-video"}`
	if r.Param != wantParam || r.ResultJSON != `{"resultUrls":[]}` || r.State != JobsSuccess || *r.CostTime != 2000 ||
		*r.CompleteTime != 1767225602000 || r.UpdateTime != 1767225602000 || r.CreateTime != 1767225600000 {
		t.Errorf("record = %+v (param %s)", r, r.Param)
	}
	tk.Param = `{"model":"ai-music-api/create-music-video","input":{"task_id":"m1","audio_id":"a1"}}`
	if got := NewJobsRecord(tk, nil).Param; got != tk.Param {
		t.Errorf("param of a jobs task = %s, want the request as sent", got)
	}
	link := "https://v.example/v1/videos/t1.mp4?a=1&b=2"
	if got := NewJobsRecord(tk, &link).ResultJSON; got != `{"resultUrls":["https://v.example/v1/videos/t1.mp4?a=1&b=2"]}` {
		t.Errorf("resultJson = %s, want the link with a plain &", got)
	}
}

// TestJobsParamOf: a generate request's jobs equivalent names every field
// it sets in snake_case, and agrees with the one rebuilt from a task.
func TestJobsParamOf(t *testing.T) {
	t.Parallel()
	no := false
	r := mvgen.Request{TaskID: "m1", AudioID: "a1", CallBackURL: "https://cb.example/h", Author: "Ada", Aspect: "9:16", Lyrics: &no,
		FPS: 60, AccentColor: "#2060ff"}
	want := `{"callBackUrl":"https://cb.example/h","input":{"accent_color":"#2060ff","aspect":"9:16","audio_id":"a1","author":"Ada","fps":60,"lyrics":false,"task_id":"m1"},"model":"ai-music-api/create-music-video"}`
	if got := JobsParamOf(r); got != want {
		t.Errorf("JobsParamOf = %s\nwant %s", got, want)
	}
	tk := r.NewTask("k", &mvgen.Track{}, time.Now())
	if got := JobsParam(tk); got != want {
		t.Errorf("JobsParam of its task (no stored param) = %s\nwant %s", got, want)
	}
}
