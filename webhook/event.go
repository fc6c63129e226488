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
	// Videos is every video of a successful task whose generate request
	// had "renditions" (contract §6.5), rendition 0 (the one VideoURL
	// names) first; absent otherwise, so that the body of every other
	// callback is what it always was.
	Videos []Video `json:"videos,omitempty"`
}

// Video is one video of a task (contract §6.5), as record-info's
// response.videos[] and a kit's callback's data.videos list it. Its keys
// are camelCase in both.
type Video struct {
	Aspect     string `json:"aspect"`     // "16:9", "1:1", "9:16" or "4:5"
	Resolution string `json:"resolution"` // "720p" or "1080p"
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	// Start and Duration place the video in the song, in seconds: 0 and
	// the song's length for a whole video, a clip's start and length.
	// Duration is nil for a video made before lengths were recorded.
	Start    float64  `json:"start"`
	Duration *float64 `json:"duration"`
	// VideoURL and PosterURL are signed links, valid as long as the task's
	// video_url.
	VideoURL  string `json:"videoUrl"`
	PosterURL string `json:"posterUrl"`
	// Captions are signed links to the video's caption files, timed to it;
	// nil when it shows no timed lyrics.
	Captions *Captions `json:"captions"`
}

// Captions are the links to one video's caption files.
type Captions struct {
	SRT string `json:"srt"`
	VTT string `json:"vtt"`
	LRC string `json:"lrc"`
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
