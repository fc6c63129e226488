package dialect

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"unicode"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// JobsModel is the one model mvgen serves through the jobs API.
const JobsModel = "ai-music-api/create-music-video"

// The jobs API's task states (contract §12).
const (
	JobsWaiting    = "waiting"
	JobsQueuing    = "queuing"
	JobsGenerating = "generating"
	JobsSuccess    = "success"
	JobsFail       = "fail"
)

// Callback codes and messages of the jobs envelope (kie.ai's Market
// callback).
const (
	JobsCallbackOK      = 200
	JobsCallbackFailed  = 501
	JobsCallbackOKMsg   = "Playground task completed successfully."
	JobsCallbackFailMsg = "Playground task failed."
)

// JobsState is the jobs state of t. mvgen stores a task and queues its
// work in one transaction, so a task it has answered for is never merely
// stored: it shows queuing until its render reports progress, then
// generating. waiting is never shown (docs/DECISIONS.md). A video whose
// callback could not be delivered (CALLBACK_EXCEPTION) is still a success.
func JobsState(t *mvgen.Task) string {
	switch {
	case t.Status == mvgen.StatusPending && t.Progress > 0:
		return JobsGenerating
	case t.Status == mvgen.StatusPending:
		return JobsQueuing
	case t.Failed():
		return JobsFail
	}
	return JobsSuccess
}

// JobsRecord is the data of GET /api/v1/jobs/recordInfo, and the part of
// the jobs callback's data that the jobs API documents. Times are epoch
// milliseconds.
type JobsRecord struct {
	TaskID string `json:"taskId"`
	Model  string `json:"model"`
	State  string `json:"state"`
	// Param is the create request as a JSON string.
	Param string `json:"param"`
	// ResultJSON is a JSON string {"resultUrls":["<mp4>"]} once the video
	// exists ([] once its link has expired), "" before and on failure.
	ResultJSON string `json:"resultJson"`
	// FailCode is the failure's code of contract §4 as a string ("451"),
	// "" unless the task failed; FailMsg its message.
	FailCode string `json:"failCode"`
	FailMsg  string `json:"failMsg"`
	// CostTime is how long the task took in milliseconds (completeTime -
	// createTime), null while it runs.
	CostTime     *int64 `json:"costTime"`
	CompleteTime *int64 `json:"completeTime"`
	CreateTime   int64  `json:"createTime"`
	UpdateTime   int64  `json:"updateTime"`
}

// NewJobsRecord is t's jobs record; videoURL is its video's link, nil when
// there is none (pending, failed, or expired), and more its renditions'
// (contract §6.5), listed after it in resultUrls.
func NewJobsRecord(t *mvgen.Task, videoURL *string, more ...string) JobsRecord {
	r := JobsRecord{
		TaskID: t.ID, Model: JobsModel, State: JobsState(t), Param: JobsParam(t),
		CreateTime: t.CreatedAt.UnixMilli(), UpdateTime: t.CreatedAt.UnixMilli(),
	}
	if !t.CompletedAt.IsZero() {
		done, cost := t.CompletedAt.UnixMilli(), t.CompletedAt.Sub(t.CreatedAt).Milliseconds()
		r.CompleteTime, r.CostTime, r.UpdateTime = &done, &cost, done
	}
	switch {
	case t.Failed():
		r.FailCode, r.FailMsg = itoa(t.ErrorCode), t.ErrorMessage
	case t.Done():
		urls := []string{}
		if videoURL != nil {
			urls = append(urls, *videoURL)
			urls = append(urls, more...)
		}
		r.ResultJSON = compactJSON(map[string][]string{"resultUrls": urls})
	}
	return r
}

// JobsCallbackData is the data of the jobs callback: the jobs record, then
// the older body's task_id and video_url, so that receivers written for
// either body work (docs/DECISIONS.md).
type JobsCallbackData struct {
	JobsRecord
	LegacyTaskID   string  `json:"task_id"`
	LegacyVideoURL *string `json:"video_url"`
}

// JobsCallback is the callback body of t, a finished task created through
// the jobs API (contract §12); videoURL is its video's link (nil when it
// failed), more its renditions' (resultUrls lists them after it).
func JobsCallback(t *mvgen.Task, videoURL *string, more ...string) []byte {
	ev := struct {
		Code int              `json:"code"`
		Msg  string           `json:"msg"`
		Data JobsCallbackData `json:"data"`
	}{Code: JobsCallbackOK, Msg: JobsCallbackOKMsg}
	if t.Failed() {
		ev.Code, ev.Msg, videoURL = JobsCallbackFailed, JobsCallbackFailMsg, nil
	}
	ev.Data = JobsCallbackData{JobsRecord: NewJobsRecord(t, videoURL, more...), LegacyTaskID: t.ID, LegacyVideoURL: videoURL}
	return []byte(compactJSON(ev))
}

// JobsParam is the create request of t as a JSON string: as the caller
// sent it for a task made through the jobs API, and the jobs API's
// equivalent of the generate request for one made through generate
// (stored at creation, JobsParamOf; rebuilt from the task's fields for
// tasks stored before that).
func JobsParam(t *mvgen.Task) string {
	if t.Param != "" {
		return t.Param
	}
	input := map[string]any{"task_id": t.MusicTaskID, "audio_id": t.AudioID}
	for name, v := range map[string]string{"author": t.Author, "domain_name": t.DomainName,
		"aspect": t.Aspect, "resolution": t.Resolution, "accent_color": t.AccentColor, "theme": t.Theme} {
		if v != "" {
			input[name] = v
		}
	}
	if t.NoLyrics {
		input["lyrics"] = false
	}
	if t.FPS != 0 {
		input["fps"] = t.FPS
	}
	p := map[string]any{"model": JobsModel, "input": input}
	if t.CallbackURL != "" {
		p["callBackUrl"] = t.CallbackURL
	}
	return compactJSON(p)
}

// JobsParamOf is the jobs API's create request equivalent to the generate
// request r, as a JSON string: every field r sets, in snake_case in input,
// but callBackUrl beside it. It follows the fields of mvgen.Request, so a
// field generate gains appears here at once.
func JobsParamOf(r mvgen.Request) string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // strings, booleans and numbers only
	}
	var fields map[string]any
	json.Unmarshal(b, &fields)
	input := map[string]any{}
	for name, v := range fields {
		if name == "callBackUrl" || v == nil || v == "" {
			continue
		}
		input[SnakeCase(name)] = v
	}
	p := map[string]any{"model": JobsModel, "input": input}
	if r.CallBackURL != "" {
		p["callBackUrl"] = r.CallBackURL
	}
	return compactJSON(p)
}

// JobsInputNames maps the jobs API's input field names (snake_case) to the
// fields of mvgen.Request they fill (its JSON names): every field of the
// generate request but callBackUrl, which the jobs API carries beside
// model and input. A field generate gains is an input field at once.
func JobsInputNames() map[string]string {
	names := map[string]string{}
	t := reflect.TypeFor[mvgen.Request]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" || name == "callBackUrl" {
			continue
		}
		names[SnakeCase(name)] = name
	}
	return names
}

// SnakeCase spells a camelCase name in snake_case: "domainName" →
// "domain_name", "taskId" → "task_id".
func SnakeCase(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// JobsFieldName is the name a jobs client knows a generate request's field
// by: "input.task_id" for taskId, callBackUrl as it is.
func JobsFieldName(name string) string {
	if name == "callBackUrl" {
		return name
	}
	return "input." + SnakeCase(name)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// compactJSON encodes v without HTML escaping (links keep a plain "&").
func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only maps, strings and numbers
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
