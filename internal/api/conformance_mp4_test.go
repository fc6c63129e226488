package api_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"
)

// The mp4 dialect's mapping (contract §2-4): the hosted services' routes.
func init() {
	dialects["mp4"] = &dialectSpec{
		createPath: "/api/v1/mp4/generate",
		recordPath: func(id string) string { return "/api/v1/mp4/record-info?taskId=" + id },
		source: func(req map[string]any) (string, string) {
			return req["taskId"].(string), req["audioId"].(string)
		},
		setCallback: func(req map[string]any, url string) { req["callBackUrl"] = url },
		checkCreate: func(t *testing.T, answer map[string]any) string {
			checkFields(t, "generate answer", answer, map[string]any{"code": 200, "msg": "success", "data.taskId": taskIDShape})
			id, _ := field(answer, "data", "taskId").(string)
			return id
		},
		checkRecord: func(t *testing.T, answer map[string]any, x stage) {
			var req struct{ AudioID, CallBackURL string }
			json.Unmarshal(x.request, &req)
			want := map[string]any{"code": 200, "msg": "success", "data.taskId": x.taskID, "data.musicId": req.AudioID,
				"data.audioId": req.AudioID, "data.musicIndex": 0, "data.callbackUrl": req.CallBackURL,
				"data.createTime": dateTime, "data.errorCode": nil, "data.errorMessage": nil,
				"data.successFlag": "PENDING", "data.response.videoUrl": nil, "data.completeTime": nil}
			switch x.name {
			case "success":
				want["data.successFlag"], want["data.response.videoUrl"] = "SUCCESS", hasPrefix(x.videoURL)
				want["data.completeTime"] = x.done.UTC().Format(time.DateTime)
			case "fail":
				want["data.successFlag"], want["data.errorCode"], want["data.errorMessage"] = "CREATE_TASK_FAILED", x.failCode, x.failMsg
				want["data.completeTime"] = x.done.UTC().Format(time.DateTime)
			}
			checkFields(t, x.name+" record-info", answer, want)
		},
		checkCallback: func(t *testing.T, body map[string]any, x stage) {
			// Today's body byte for byte: these fields and no others.
			if d, _ := body["data"].(map[string]any); len(body) != 3 || len(d) != 2 {
				t.Errorf("callback %v has other fields than code, msg, data.task_id and data.video_url", body)
			}
			want := map[string]any{"code": 200, "msg": "MP4 generated successfully.", "data.task_id": x.taskID,
				"data.video_url": hasPrefix(x.videoURL)}
			if x.name == "fail" {
				want["code"], want["msg"], want["data.video_url"] = x.failCode, x.failMsg, nil
			}
			checkFields(t, x.name+" callback", body, want)
		},
	}
}

// taskIDShape judges an id mvgen made.
func taskIDShape(v any) error {
	if s, ok := v.(string); !ok || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(s) {
		return fmt.Errorf("want 32 hex digits")
	}
	return nil
}

// dateTime judges a "yyyy-MM-dd HH:mm:ss" time.
func dateTime(v any) error {
	if s, ok := v.(string); !ok || func() bool { _, err := time.Parse(time.DateTime, s); return err != nil }() {
		return fmt.Errorf(`want "yyyy-MM-dd HH:mm:ss"`)
	}
	return nil
}
