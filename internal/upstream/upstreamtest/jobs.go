package upstreamtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

// AddJobsTask adds a song made through the jobs API (model
// ai-music-api/generate) in the jobs state (waiting, queuing, generating,
// success or fail), with one track per title, and returns its id and its
// tracks' ids. Only GET /api/v1/jobs/recordInfo knows it; the older
// record-info answers it as unknown, as kie.ai's does. SetStatus takes a
// jobs state for it.
func (f *Fake) AddJobsTask(state string, titles ...string) (taskID string, audioIDs []string) {
	return f.addTask(&musicTask{status: state, jobs: true}, titles)
}

// jobsRecordInfo answers GET /api/v1/jobs/recordInfo from the documented
// example: its envelope ("message") and fields, this task's id, model,
// state, param and songs (resultJson {"data":[…]} of documented songs).
func (f *Fake) jobsRecordInfo(w http.ResponseWriter, r *http.Request) {
	f.lookups.Add(1)
	if f.failed(w, r, Failure(f.failure.Load())) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.Key {
		writeJobsEnvelope(w, http.StatusUnauthorized, 401, "Unauthorized", nil)
		return
	}
	id := r.URL.Query().Get("taskId")
	f.mu.Lock()
	t, ok := f.tasks[id]
	ok = ok && t.jobs
	var data map[string]any
	if ok {
		data = f.jobsRecord(id, t)
	}
	f.mu.Unlock()
	if !ok {
		writeJobsEnvelope(w, 200, 404, "task not found", nil)
		return
	}
	writeJobsEnvelope(w, 200, 200, "success", data)
}

func (f *Fake) jobsRecord(id string, t *musicTask) map[string]any {
	data := clone(f.jobsEx["data"]).(map[string]any)
	param, _ := json.Marshal(map[string]any{"model": "ai-music-api/generate",
		"input": map[string]any{"prompt": "A calm piano track", "customMode": false}})
	data["taskId"], data["model"], data["state"], data["param"] = id, "ai-music-api/generate", t.status, string(param)
	data["failCode"], data["failMsg"] = "", ""
	switch t.status {
	case "success":
		var songs []any
		for _, tr := range t.tracks {
			s := clone(f.songEx).(map[string]any)
			base := fmt.Sprintf("%s/files/%s/%s/", f.URL, id, tr.id)
			s["id"], s["title"], s["duration"] = tr.id, tr.title, float64(len(f.audio))/16000
			s["audio_url"], s["image_url"] = fmt.Sprintf("%saudio-%d.mp3", base, tr.gen), fmt.Sprintf("%scover-%d.png", base, tr.gen)
			s["stream_audio_url"] = base + "stream"
			songs = append(songs, s)
		}
		result, _ := json.Marshal(map[string]any{"data": songs})
		data["resultJson"] = string(result)
	case "fail":
		data["resultJson"], data["failCode"], data["failMsg"] = "", "500", "Generation failed"
	default:
		data["resultJson"], data["completeTime"] = "", nil
	}
	return data
}

func writeJobsEnvelope(w http.ResponseWriter, status, code int, message string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": message, "data": data})
}

// loadJobsExamples reads kie.ai's documented recordInfo answer and the
// first song of its documented music callback.
func loadJobsExamples() (record, song map[string]any, err error) {
	b, err := os.ReadFile(testdata("..", "testdata", "kie-jobs-record-info.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the documented jobs example: %w", err)
	}
	if err := json.Unmarshal(b, &record); err != nil {
		return nil, nil, err
	}
	b, err = os.ReadFile(testdata("..", "testdata", "kie-music-callback.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the documented song example: %w", err)
	}
	var cb struct {
		Data struct {
			Data []map[string]any `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &cb); err != nil || len(cb.Data.Data) == 0 {
		return nil, nil, fmt.Errorf("the documented song example has no song: %v", err)
	}
	return record, cb.Data.Data[0], nil
}
