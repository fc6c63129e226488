package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// The jobs dialect's mapping (contract §12): kie.ai's generic jobs API.
func init() {
	dialects["jobs"] = &dialectSpec{
		createPath: "/api/v1/jobs/createTask",
		recordPath: func(id string) string { return "/api/v1/jobs/recordInfo?taskId=" + id },
		source: func(req map[string]any) (string, string) {
			in := req["input"].(map[string]any)
			return in["task_id"].(string), in["audio_id"].(string)
		},
		setCallback: func(req map[string]any, url string) { req["callBackUrl"] = url },
		checkCreate: func(t *testing.T, answer map[string]any) string {
			checkFields(t, "createTask answer", answer, map[string]any{"code": 200, "msg": "success", "data.taskId": taskIDShape})
			id, _ := field(answer, "data", "taskId").(string)
			return id
		},
		checkRecord: func(t *testing.T, answer map[string]any, x stage) {
			checkFields(t, x.name+" recordInfo", answer, map[string]any{"code": 200, "message": "success"})
			absent(t, x.name+" recordInfo", answer, "msg")
			checkJobsData(t, x.name+" recordInfo", answer["data"], x)
		},
		checkCallback: func(t *testing.T, body map[string]any, x stage) {
			want := map[string]any{"code": 200, "msg": "Playground task completed successfully.",
				"data.task_id": x.taskID, "data.video_url": hasPrefix(x.videoURL)}
			if x.name == "fail" {
				want["code"], want["msg"], want["data.video_url"] = 501, "Playground task failed.", nil
			}
			checkFields(t, x.name+" callback", body, want)
			checkJobsData(t, x.name+" callback", body["data"], x)
		},
		opaque: []string{"param"},
	}
}

// checkJobsData checks the jobs record's values at a stage.
func checkJobsData(t *testing.T, where string, data any, x stage) {
	t.Helper()
	var param bytes.Buffer
	json.Compact(&param, x.request)
	want := map[string]any{"taskId": x.taskID, "model": "ai-music-api/create-music-video", "param": param.String(),
		"createTime": between(x.created, time.Now()), "state": "queuing", "resultJson": "", "failCode": "", "failMsg": "",
		"costTime": nil, "completeTime": nil, "updateTime": equalTo(field(data, "createTime"))}
	if x.name != "pending" {
		want["completeTime"], want["updateTime"] = x.done.UnixMilli(), x.done.UnixMilli()
		if c, ok := field(data, "createTime").(float64); ok {
			want["costTime"] = x.done.UnixMilli() - int64(c)
		}
	}
	switch x.name {
	case "success":
		want["state"], want["resultJson"] = "success", resultURLs(x.videoURL)
	case "fail":
		want["state"], want["failCode"], want["failMsg"] = "fail", fmt.Sprint(x.failCode), x.failMsg
	}
	checkFields(t, where, data, want)
}

// resultURLs judges a resultJson: a JSON string {"resultUrls":[link]}.
func resultURLs(prefix string) func(any) error {
	return func(v any) error {
		s, _ := v.(string)
		var r struct {
			ResultURLs []string `json:"resultUrls"`
		}
		if err := json.Unmarshal([]byte(s), &r); err != nil || len(r.ResultURLs) != 1 || hasPrefix(prefix)(r.ResultURLs[0]) != nil {
			return fmt.Errorf(`want a JSON string {"resultUrls":["%s…"]}`, prefix)
		}
		return nil
	}
}

func equalTo(want any) func(any) error {
	return func(v any) error {
		if v != want {
			return fmt.Errorf("want %v", want)
		}
		return nil
	}
}
