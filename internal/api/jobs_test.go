package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

const jobsModel = "ai-music-api/create-music-video"

// jobsRecord is the data of the jobs API's recordInfo.
type jobsRecord struct {
	TaskID       string `json:"taskId"`
	Model        string `json:"model"`
	State        string `json:"state"`
	Param        string `json:"param"`
	ResultJSON   string `json:"resultJson"`
	FailCode     string `json:"failCode"`
	FailMsg      string `json:"failMsg"`
	CostTime     *int64 `json:"costTime"`
	CompleteTime *int64 `json:"completeTime"`
	CreateTime   int64  `json:"createTime"`
	UpdateTime   int64  `json:"updateTime"`
}

// jobRecord reads a task through GET /api/v1/jobs/recordInfo, whose
// envelope says "message".
func (c *client) jobRecord(id string) (jobsRecord, map[string]json.RawMessage) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+"/api/v1/jobs/recordInfo?taskId="+id, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := apitest.Client(c.t, c.base).Do(req) // checked against docs/openapi.yaml
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		c.t.Fatal(err)
	}
	var r jobsRecord
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(env["data"], &r); err != nil {
			c.t.Fatal(err)
		}
	}
	return r, env
}

// TestJobsCreateValidation covers the 4xx rules of createTask: generate's
// rules on the snake_case input, the model, and the near-miss rule with
// the dialect's names.
func TestJobsCreateValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	musicID, audioID := c.track()
	body := func(model any, input map[string]any, extra ...any) map[string]any {
		in := map[string]any{"task_id": musicID, "audio_id": audioID}
		for k, v := range input {
			if v == nil {
				delete(in, k)
			} else {
				in[k] = v
			}
		}
		m := map[string]any{"input": in}
		if model != nil {
			m["model"] = model
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		body    any
		want    int
		wantMsg string
	}{
		{"no model", body(nil, nil), 422, `model is required: mvgen serves "ai-music-api/create-music-video"`},
		{"another model", body("suno/music-video", nil), 422, `model "suno/music-video" is not served here: mvgen serves only "ai-music-api/create-music-video"`},
		{"model wrong type", body(5, nil), 400, "model must be a JSON string"},
		{"no input", map[string]any{"model": jobsModel}, 422, "input is required"},
		{"input fields beside model", map[string]any{"model": jobsModel, "task_id": musicID, "audio_id": audioID}, 422,
			"input is required: task_id and audio_id go inside input, not beside model"},
		{"input not an object", map[string]any{"model": jobsModel, "input": []int{1}}, 400, "input must be a JSON object"},
		{"task_id missing", body(jobsModel, map[string]any{"task_id": nil}), 422, "input.task_id is required"},
		{"audio_id blank", body(jobsModel, map[string]any{"audio_id": " "}), 422, "input.audio_id is required"},
		{"task_id wrong type", body(jobsModel, map[string]any{"task_id": 5}), 400, "input.task_id must be a JSON string"},
		{"camelCase taskId", body(jobsModel, map[string]any{"task_id": nil, "taskId": musicID}), 422, "unknown field input.taskId; did you mean input.task_id?"},
		{"domainName", body(jobsModel, map[string]any{"domainName": "x"}), 422, "unknown field input.domainName; did you mean input.domain_name?"},
		{"callback inside input", body(jobsModel, map[string]any{"callback_url": "https://example.com/h"}), 422, "callBackUrl goes beside model and input"},
		{"callback_url near miss", body(jobsModel, nil, "callback_url", "https://example.com/h"), 422, "unknown field callback_url; did you mean callBackUrl?"},
		{"callBackUrl private", body(jobsModel, nil, "callBackUrl", "http://10.0.0.1/h"), 422, "callBackUrl: host 10.0.0.1 is not allowed"},
		{"author 51 runes", body(jobsModel, map[string]any{"author": strings.Repeat("周", 51)}), 422, "input.author must be at most 50 characters"},
		{"domain_name 51", body(jobsModel, map[string]any{"domain_name": strings.Repeat("d", 51)}), 422, "input.domain_name must be at most 50"},
		{"aspect unknown", body(jobsModel, map[string]any{"aspect": "4:3"}), 422, "input.aspect"},
		{"resolution unknown", body(jobsModel, map[string]any{"resolution": "4k"}), 422, "input.resolution"},
		{"fps 25", body(jobsModel, map[string]any{"fps": 25}), 422, "input.fps must be 30 or 60 (got 25)"},
		{"rendition clip duration wrong type", body(jobsModel, map[string]any{"renditions": []any{map[string]any{"aspect": "9:16",
			"clip": map[string]any{"start": 0, "duration": "5"}}}}), 400, "input.renditions[0].clip.duration must be a JSON number, not string"},
		{"rendition clip start", body(jobsModel, map[string]any{"renditions": []any{map[string]any{"aspect": "9:16",
			"clip": map[string]any{"start": -2, "duration": 30}}}}), 422, "input.renditions[0].clip.start must be 0 or more seconds"},
		{"accent colour by name", body(jobsModel, map[string]any{"accent_color": "blue"}), 422, `input.accent_color: "blue" is not a colour written #rrggbb`},
		{"fps 60 and an accent colour", body(jobsModel, map[string]any{"fps": 60, "accent_color": "#2060ff"}), 200, ""},
		{"lyrics wrong type", body(jobsModel, map[string]any{"lyrics": "no"}), 400, "input.lyrics must be a JSON boolean"},
		{"unknown track", body(jobsModel, map[string]any{"audio_id": "nope"}), 404, "no track"},
		{"unknown field ignored", body(jobsModel, map[string]any{"style": "x"}), 200, "success"},
		{"documented fields", body(jobsModel, map[string]any{"author": "DJ Electronic", "domain_name": "music.example.com"},
			"callBackUrl", "https://api.example.com/callback"), 200, "success"},
		{"extensions", body(jobsModel, map[string]any{"aspect": "9:16", "resolution": "1080p", "lyrics": false}), 200, "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			e := cc.postJSON("/api/v1/jobs/createTask", tc.body)
			if e.Code != tc.want || e.HTTP != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got code %d (HTTP %d) %q, want %d with %q", e.Code, e.HTTP, e.Msg, tc.want, tc.wantMsg)
			}
		})
	}
	t.Run("idempotency", func(t *testing.T) {
		cc := *c
		cc.t = t
		b := body(jobsModel, map[string]any{"author": "A"})
		first := cc.postJSON("/api/v1/jobs/createTask", b, "Idempotency-Key", "j1")
		again := cc.postJSON("/api/v1/jobs/createTask", b, "Idempotency-Key", "j1")
		if first.Code != 200 || string(first.Data) != string(again.Data) {
			t.Errorf("same key and body: %s then %s, want the same taskId", first.Data, again.Data)
		}
		// The same source and author through generate is another request.
		if e := cc.postJSON("/api/v1/mp4/generate", map[string]any{"taskId": musicID, "audioId": audioID, "author": "A"},
			"Idempotency-Key", "j1"); e.Code != 409 {
			t.Errorf("the key reused on generate: %d %q, want 409", e.Code, e.Msg)
		}
	})
	t.Run("draining", func(t *testing.T) {
		g := newFixture(t)
		gc := g.client("g")
		g.h.Drain()
		if e := gc.postJSON("/api/v1/jobs/createTask", body(jobsModel, nil)); e.HTTP != 503 || e.Code != 455 {
			t.Errorf("draining: HTTP %d code %d, want 503 and 455", e.HTTP, e.Code)
		}
	})
}

// TestJobsRecordInfo: recordInfo reads tasks of both routes in the jobs
// shape, through every state, and record-info reads a jobs task.
func TestJobsRecordInfo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, other := f.client("c"), f.client("other")
	musicID, audioID := c.track()
	raw := `{"model": "ai-music-api/create-music-video", "callBackUrl": "https://example.com/h",
		"input": {"task_id": "` + musicID + `", "audio_id": "` + audioID + `", "author": "Ada", "aspect": "9:16"}}`
	e := c.postJSON("/api/v1/jobs/createTask", raw)
	var created struct{ TaskID string }
	if err := json.Unmarshal(e.Data, &created); e.Code != 200 || err != nil || e.Msg != "success" {
		t.Fatalf("createTask: %d %q %s", e.Code, e.Msg, e.Data)
	}
	id := created.TaskID
	before := time.Now()

	r, env := c.jobRecord(id)
	if string(env["code"]) != "200" || string(env["message"]) != `"success"` || env["msg"] != nil {
		t.Errorf("envelope = %s, want code 200 and message \"success\" (no msg)", mustJSON(env))
	}
	wantParam := `{"model":"ai-music-api/create-music-video","callBackUrl":"https://example.com/h","input":{"task_id":"` +
		musicID + `","audio_id":"` + audioID + `","author":"Ada","aspect":"9:16"}}`
	if r.TaskID != id || r.Model != jobsModel || r.State != "queuing" || r.Param != wantParam || r.ResultJSON != "" ||
		r.FailCode != "" || r.FailMsg != "" || r.CostTime != nil || r.CompleteTime != nil ||
		r.CreateTime <= 0 || r.CreateTime > before.UnixMilli() || r.UpdateTime != r.CreateTime {
		t.Errorf("queued record = %+v, want queuing with param %s", r, wantParam)
	}

	// record-info reads the jobs task in its own shape.
	old := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+id, "", nil)
	if old.Code != 200 || !strings.Contains(string(old.Data), `"successFlag":"PENDING"`) || !strings.Contains(string(old.Data), `"author":"Ada"`) {
		t.Errorf("record-info of a jobs task = %d %s", old.Code, old.Data)
	}

	ctx := context.Background()
	if err := f.db.SetProgress(ctx, id, 30); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.jobRecord(id); r.State != "generating" {
		t.Errorf("state while rendering = %q, want generating", r.State)
	}
	done := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := f.db.FinishTask(ctx, id, store.Result{Status: mvgen.StatusSuccess, VideoKey: "v.mp4",
		CompletedAt: done, ExpiresAt: done.Add(link.Validity)}); err != nil {
		t.Fatal(err)
	}
	r, _ = c.jobRecord(id)
	var result struct{ ResultUrls []string }
	if err := json.Unmarshal([]byte(r.ResultJSON), &result); err != nil || len(result.ResultUrls) != 1 ||
		!strings.HasPrefix(result.ResultUrls[0], f.srv.URL+"/v1/videos/"+id+".mp4?") {
		t.Errorf("resultJson = %q (%v), want {\"resultUrls\":[<this task's link>]}", r.ResultJSON, err)
	}
	if r.State != "success" || r.CompleteTime == nil || *r.CompleteTime != done.UnixMilli() || r.UpdateTime != done.UnixMilli() ||
		r.CostTime == nil || *r.CostTime != done.UnixMilli()-r.CreateTime || r.FailCode != "" {
		t.Errorf("finished record = %+v", r)
	}

	// A task made by generate, failed, in the jobs shape.
	g := c.generate(map[string]any{"taskId": musicID, "audioId": audioID, "domainName": "example.com", "lyrics": false})
	if _, err := f.db.FinishTask(ctx, g, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: 500,
		ErrorMessage: "Internal error while rendering the video", CompletedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r, _ = c.jobRecord(g)
	wantParam = `{"input":{"audio_id":"` + audioID + `","domain_name":"example.com","lyrics":false,"task_id":"` + musicID +
		`"},"model":"ai-music-api/create-music-video"}`
	if r.State != "fail" || r.FailCode != "500" || r.FailMsg != "Internal error while rendering the video" ||
		r.ResultJSON != "" || r.Param != wantParam {
		t.Errorf("failed generate task = %+v, want fail 500 with param %s", r, wantParam)
	}

	for _, tc := range []struct {
		name, query string
		as          *client
		want        int
	}{
		{"another key's task", id, other, 404},
		{"unknown task", "nope", c, 404},
		{"no taskId", "", c, 422},
	} {
		_, env := tc.as.jobRecord(tc.query)
		var code int
		var msg, message string
		json.Unmarshal(env["code"], &code)
		json.Unmarshal(env["msg"], &msg)
		json.Unmarshal(env["message"], &message)
		if code != tc.want || msg == "" || message != msg {
			t.Errorf("%s: %s, want code %d with msg and message alike", tc.name, mustJSON(env), tc.want)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
