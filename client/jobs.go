package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// JobsModel is the model of kie.ai's jobs API that makes a music video, the
// one mvgen serves through it.
const JobsModel = "ai-music-api/create-music-video"

// JobRequest asks for a video through the jobs API (contract §12): the
// dialect of clients written for kie.ai's generic jobs API. The task it
// makes is a video task like Generate's; Record reads it too.
type JobRequest struct {
	// CallBackURL receives the jobs callback (optional).
	CallBackURL string `json:"callBackUrl,omitempty"`
	// Input holds generate's fields in snake_case.
	Input JobInput `json:"input"`

	// IdempotencyKey is sent as the Idempotency-Key header, as for
	// GenerateRequest.
	IdempotencyKey string `json:"-"`
}

// JobInput is the input of a JobRequest.
type JobInput struct {
	// TaskID and AudioID name the source track (required).
	TaskID  string `json:"task_id"`
	AudioID string `json:"audio_id"`
	// Author and DomainName are shown in the video (at most 50 characters).
	Author     string `json:"author,omitempty"`
	DomainName string `json:"domain_name,omitempty"`
	// Aspect, Resolution, Lyrics, FPS, AccentColor and Theme are mvgen's
	// extensions, as in GenerateRequest.
	Aspect      string `json:"aspect,omitempty"`
	Resolution  string `json:"resolution,omitempty"`
	Lyrics      *bool  `json:"lyrics,omitempty"`
	FPS         int    `json:"fps,omitempty"`
	AccentColor string `json:"accent_color,omitempty"`
	Theme       string `json:"theme,omitempty"`
}

// CreateJob asks for a video through POST /api/v1/jobs/createTask and
// returns the new video task's id.
func (c *Client) CreateJob(ctx context.Context, req JobRequest) (string, error) {
	body, err := jsonBody(struct {
		Model string `json:"model"`
		JobRequest
	}{JobsModel, req})
	if err != nil {
		return "", err
	}
	return c.create(ctx, "createTask", "/api/v1/jobs/createTask", body, req.IdempotencyKey)
}

// The jobs API's task states.
const (
	JobWaiting    = "waiting"
	JobQueuing    = "queuing"
	JobGenerating = "generating"
	JobSuccess    = "success"
	JobFail       = "fail"
)

// JobRecord is a video task as the jobs API's recordInfo describes it.
// Times are UTC, the zero time where the server gave none.
type JobRecord struct {
	TaskID string
	Model  string
	// State is JobWaiting, JobQueuing, JobGenerating, JobSuccess or
	// JobFail.
	State string
	// Param is the create request as a JSON string.
	Param string
	// ResultURLs are resultJson's resultUrls: the video's link once it
	// exists and while its link is valid.
	ResultURLs []string
	// FailCode and FailMsg say why the task failed: the callback code of
	// contract §4 ("400", "451", "500") and its message.
	FailCode     string
	FailMsg      string
	CostTime     time.Duration
	CompleteTime time.Time
	CreateTime   time.Time
	UpdateTime   time.Time
}

// Done reports whether the task has ended.
func (r *JobRecord) Done() bool { return r.State == JobSuccess || r.State == JobFail }

// JobRecord returns a video task, made through either API, as GET
// /api/v1/jobs/recordInfo answers it.
func (c *Client) JobRecord(ctx context.Context, taskID string) (*JobRecord, error) {
	var w struct {
		TaskID       string  `json:"taskId"`
		Model        string  `json:"model"`
		State        string  `json:"state"`
		Param        string  `json:"param"`
		ResultJSON   string  `json:"resultJson"`
		FailCode     string  `json:"failCode"`
		FailMsg      string  `json:"failMsg"`
		CostTime     jsonInt `json:"costTime"`
		CompleteTime *int64  `json:"completeTime"`
		CreateTime   *int64  `json:"createTime"`
		UpdateTime   *int64  `json:"updateTime"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/jobs/recordInfo",
		query: url.Values{"taskId": {taskID}}, retryStatus: true, retryNetwork: true}, &w)
	if err != nil {
		return nil, fmt.Errorf("recordInfo %s: %w", taskID, err)
	}
	r := &JobRecord{TaskID: w.TaskID, Model: w.Model, State: w.State, Param: w.Param, FailCode: w.FailCode, FailMsg: w.FailMsg,
		CostTime: time.Duration(w.CostTime) * time.Millisecond, CompleteTime: millis(w.CompleteTime),
		CreateTime: millis(w.CreateTime), UpdateTime: millis(w.UpdateTime)}
	if w.ResultJSON != "" {
		var result struct {
			ResultURLs []string `json:"resultUrls"`
		}
		if err := json.Unmarshal([]byte(w.ResultJSON), &result); err != nil {
			return nil, fmt.Errorf("recordInfo %s: %w: resultJson: %v", taskID, errDecode, err)
		}
		r.ResultURLs = result.ResultURLs
	}
	return r, nil
}

// WaitForJob polls recordInfo until the task ends or ctx ends, as
// WaitForVideo does; a task that failed is returned with a *VideoError
// carrying its failCode and failMsg.
func (c *Client) WaitForJob(ctx context.Context, taskID string, interval time.Duration) (*JobRecord, error) {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	for {
		r, err := c.JobRecord(ctx, taskID)
		if err != nil {
			return nil, err
		}
		if r.State == JobFail {
			var code int
			fmt.Sscan(r.FailCode, &code)
			return r, &VideoError{TaskID: r.TaskID, Flag: Status(r.State), ErrorCode: code, ErrorMessage: r.FailMsg}
		}
		if r.Done() {
			return r, nil
		}
		if err := sleep(ctx, interval); err != nil {
			return r, fmt.Errorf("waiting for video task %s: %w", taskID, err)
		}
		interval = min(interval*3/2, DefaultMaxPollInterval)
	}
}

func millis(ms *int64) time.Time {
	if ms == nil || *ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(*ms).UTC()
}
