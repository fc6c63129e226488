package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Songs made through kie.ai's generic jobs API (model
// ai-music-api/generate) are read with GET /api/v1/jobs/recordInfo, whose
// data.resultJson is a JSON string {"data":[song, …]} with snake_case songs
// (testdata/README.md has the documented examples this reads).

// States of the jobs API that this package tells apart (the others are
// waiting, queuing and generating: not finished).
const (
	JobsSuccess = "success"
	JobsFail    = "fail"
)

// jobsEnvelope is the jobs API's recordInfo answer: "message", not "msg".
type jobsEnvelope struct {
	Code    *int            `json:"code"`
	Message string          `json:"message"`
	Msg     string          `json:"msg"`
	Data    json.RawMessage `json:"data"`
}

// jobsData is the jobs API's record.
type jobsData struct {
	TaskID     string          `json:"taskId"`
	Model      string          `json:"model"`
	State      string          `json:"state"`
	ResultJSON json.RawMessage `json:"resultJson"`
	FailCode   any             `json:"failCode"`
	FailMsg    string          `json:"failMsg"`
}

// jobsSong is a song in resultJson's data, in snake_case.
type jobsSong struct {
	ID             string  `json:"id"`
	AudioURL       string  `json:"audio_url"`
	SourceAudioURL string  `json:"source_audio_url"`
	StreamAudioURL string  `json:"stream_audio_url"`
	ImageURL       string  `json:"image_url"`
	SourceImageURL string  `json:"source_image_url"`
	Title          string  `json:"title"`
	Tags           string  `json:"tags"`
	Duration       float64 `json:"duration"`
}

// JobRecord returns the music task taskID as the jobs API's recordInfo
// answers it to the holder of apiKey: Status is its state and Jobs is set.
// Its errors are Record's.
func (c *Client) JobRecord(ctx context.Context, apiKey, taskID string) (*Record, error) {
	status, body, after, err := c.get(ctx, apiKey, "/api/v1/jobs/recordInfo?taskId="+url.QueryEscape(taskID))
	if err != nil {
		return nil, err
	}
	return parseJobRecord(taskID, status, body, after)
}

// parseJobRecord reads a jobs recordInfo answer. An upstream without the
// jobs API (an answer that is not its envelope, with HTTP 404) has no such
// task.
func parseJobRecord(taskID, status string, body []byte, after time.Duration) (*Record, error) {
	notFound := func(cause error) (*Record, error) {
		return nil, fail(mvgen.ENotFound, cause, "the upstream music API has no music task %q for this key's upstream key", taskID)
	}
	var env jobsEnvelope
	if err := json.Unmarshal(body, &env); err != nil || env.Code == nil {
		if strings.HasPrefix(status, "404") {
			return notFound(fmt.Errorf("jobs recordInfo: HTTP %s", status))
		}
		return nil, unavailable(0, fmt.Errorf("HTTP %s, not the jobs recordInfo envelope: %.200q", status, body),
			"the upstream music API answered something other than recordInfo")
	}
	cause := fmt.Errorf("jobs recordInfo: envelope code %d: %.200q", *env.Code, env.Message+env.Msg)
	switch code := *env.Code; {
	case code == 200:
	case code == 401 || code == 403:
		return nil, refused(cause)
	case code == 400 || code == 404 || code == 422:
		return notFound(cause)
	default:
		return nil, unavailable(after, cause, "the upstream music API is unavailable (code %d)", code)
	}
	var d jobsData
	if len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, unavailable(0, fmt.Errorf("data: %w", err), "the upstream music API answered an unreadable record")
		}
	}
	if d.TaskID == "" && d.State == "" {
		return notFound(cause)
	}
	rec := &Record{TaskID: d.TaskID, Status: d.State, Jobs: true}
	songs, err := jobsSongs(d.ResultJSON)
	if err != nil {
		return nil, unavailable(0, err, "the upstream music API answered an unreadable resultJson")
	}
	for i, s := range songs {
		rec.Tracks = append(rec.Tracks, Track{ID: s.ID, AudioURL: s.AudioURL, SourceAudioURL: s.SourceAudioURL,
			StreamAudioURL: s.StreamAudioURL, ImageURL: s.ImageURL, SourceImageURL: s.SourceImageURL,
			Title: s.Title, Tags: s.Tags, Duration: s.Duration, MusicIndex: i})
	}
	return rec, nil
}

// jobsSongs reads the songs of resultJson: a JSON string holding
// {"data":[…]} as documented, or (leniently) that object itself; empty or
// null while the task runs.
func jobsSongs(raw json.RawMessage) ([]jobsSong, error) {
	inner := []byte(raw)
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		inner = []byte(s)
	}
	if t := strings.TrimSpace(string(inner)); t == "" || t == "null" {
		return nil, nil
	}
	var result struct {
		Data []jobsSong `json:"data"`
	}
	if err := json.Unmarshal(inner, &result); err != nil {
		return nil, fmt.Errorf("resultJson: %w", err)
	}
	return result.Data, nil
}
