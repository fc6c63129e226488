package webhook

import (
	"encoding/json"
	"fmt"
)

// Callback codes carried in [Event.Code].
const (
	CodeSuccess        = 200 // video ready; Data.VideoURL set
	CodeBadSource      = 400 // the source audio (or cover) is not usable
	CodeDownloadFailed = 451 // the source audio could not be downloaded
	CodeInternal       = 500 // internal failure while rendering
)

// Event is the body of a completion callback:
//
//	{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"…","video_url":"https://…"}}
//	{"code":451,"msg":"Source audio file download failed","data":{"task_id":"…","video_url":null}}
type Event struct {
	// Code is the outcome: [CodeSuccess], [CodeBadSource],
	// [CodeDownloadFailed] or [CodeInternal].
	Code int `json:"code"`
	// Msg describes the outcome in words.
	Msg string `json:"msg"`
	// Data names the task and, on success, its video.
	Data EventData `json:"data"`
}

// EventData is the data object of an [Event]. Its keys are snake_case, unlike
// record-info's camelCase: both are part of the contract.
type EventData struct {
	// TaskID is the video task's id.
	TaskID string `json:"task_id"`
	// VideoURL is the video's link when Code is 200, and nil (JSON null)
	// when the task failed.
	VideoURL *string `json:"video_url"`
}

// OK reports whether the event announces a finished video.
func (e *Event) OK() bool { return e.Code == CodeSuccess && e.Data.VideoURL != nil }

// ParseEvent decodes a callback body. Unknown fields are ignored (mvgen may add
// some); the body must be one JSON object whose data.task_id is a non-empty
// string. It reads the jobs callback of a task created through the jobs API
// too (contract §12): its data carries task_id and video_url beside the jobs
// fields, and its Code is 200, or 501 when the task failed (OK is false).
// Errors wrap [ErrInvalidEvent].
func ParseEvent(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	if e.Data.TaskID == "" {
		return nil, fmt.Errorf("%w: data.task_id is missing", ErrInvalidEvent)
	}
	return &e, nil
}
