// Package upstreamtest is a fake upstream Suno-compatible API on loopback,
// for tests: it answers GET /api/v1/generate/record-info in the documented
// format (every answer is built from the documented example in
// ../testdata, only ids, URLs, titles, durations and the status changed),
// serves real audio (made by ffmpeg) and a real PNG cover for its tracks,
// answers POST /api/v1/generate/get-timestamped-lyrics for each of its
// tracks with the documented example (../../lyrics/testdata), counts the
// requests it answers, and can fail in each way the contract names.
package upstreamtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Failure is a way the fake answers record-info instead of the record.
type Failure int

// Failures.
const (
	OK           Failure = iota // answer the record
	Refuse                      // HTTP 401 with envelope code 401: the upstream key is refused
	RefuseInBody                // HTTP 200 with envelope code 401
	Unavailable                 // HTTP 503 with Retry-After: 7
	Maintenance                 // HTTP 200 with envelope code 455
	Hang                        // answer nothing until the client gives up
	NotEnvelope                 // HTTP 200 with an HTML page
	EchoKey                     // HTTP 200 with envelope code 401 whose msg echoes the Authorization header, as some gateways do
)

// Fake is a running fake upstream. Its methods are safe for concurrent use.
type Fake struct {
	// URL is the fake's base URL (--upstream-url).
	URL string
	// Key is the upstream API key it accepts.
	Key string

	srv      *httptest.Server
	audio    []byte // an MP3
	cover    []byte // a PNG
	example  map[string]any
	jobsEx   map[string]any // the documented jobs recordInfo answer
	songEx   map[string]any // the documented snake_case song
	lookups  atomic.Int64
	failure  atomic.Int64
	lyrics   []byte // the documented get-timestamped-lyrics answer
	lyricsN  atomic.Int64
	lyricsF  atomic.Int64
	mu       sync.Mutex
	tasks    map[string]*musicTask
	hangDone chan struct{}
}

type musicTask struct {
	status string
	tracks []*track
	// jobs marks a song made through the jobs API: only its recordInfo
	// knows it, and status is a jobs state.
	jobs bool
}

type track struct {
	id, title string
	gen       int // the generation of its URLs; older ones answer 403
	expired   bool
}

// Start starts a fake that accepts key, making its audio (seconds long)
// with ffmpeg in dir.
func Start(dir, key string, seconds int) (*Fake, error) {
	f := &Fake{Key: key, tasks: map[string]*musicTask{}, hangDone: make(chan struct{})}
	var err error
	if f.audio, err = makeAudio(dir, seconds); err != nil {
		return nil, err
	}
	f.cover = makeCover()
	if f.example, err = loadExample(); err != nil {
		return nil, err
	}
	if f.jobsEx, f.songEx, err = loadJobsExamples(); err != nil {
		return nil, err
	}
	if f.lyrics, err = os.ReadFile(testdata("..", "..", "lyrics", "testdata", "get-timestamped-lyrics.json")); err != nil {
		return nil, fmt.Errorf("reading the documented lyrics example: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/generate/record-info", f.recordInfo)
	mux.HandleFunc("GET /api/v1/jobs/recordInfo", f.jobsRecordInfo) // jobs.go
	mux.HandleFunc("POST /api/v1/generate/get-timestamped-lyrics", f.timestampedLyrics)
	mux.HandleFunc("GET /files/{task}/{track}/{file}", f.file)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	return f, nil
}

// Close stops the fake (and releases lookups it keeps hanging).
func (f *Fake) Close() {
	close(f.hangDone)
	f.srv.Close()
}

// AddTask adds a music task in status with one track per title and returns
// its id and its tracks' ids, in sunoData order.
func (f *Fake) AddTask(status string, titles ...string) (taskID string, audioIDs []string) {
	return f.addTask(&musicTask{status: status}, titles)
}

func (f *Fake) addTask(t *musicTask, titles []string) (taskID string, audioIDs []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	taskID = randomHex(16)
	for _, title := range titles {
		id := randomHex(4) + "-" + randomHex(2) + "-" + randomHex(2) + "-" + randomHex(2) + "-" + randomHex(6)
		t.tracks = append(t.tracks, &track{id: id, title: title})
		audioIDs = append(audioIDs, id)
	}
	f.tasks[taskID] = t
	return taskID, audioIDs
}

// SetStatus changes a music task's status.
func (f *Fake) SetStatus(taskID, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tasks[taskID].status = status
}

// Expire makes the URLs answered so far for a track answer 403, as a
// hosted service's expired links do; the next lookup answers fresh ones.
func (f *Fake) Expire(taskID, audioID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tr := range f.tasks[taskID].tracks {
		if tr.id == audioID {
			tr.gen++
		}
	}
}

// ExpireForGood makes every URL of a track answer 403, fresh ones too.
func (f *Fake) ExpireForGood(taskID, audioID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tr := range f.tasks[taskID].tracks {
		if tr.id == audioID {
			tr.expired = true
		}
	}
}

// Fail makes every record-info answer fail as mode says until Fail(OK).
func (f *Fake) Fail(mode Failure) { f.failure.Store(int64(mode)) }

// FailLyrics makes every get-timestamped-lyrics answer fail as mode says
// until FailLyrics(OK); record-info goes on answering.
func (f *Fake) FailLyrics(mode Failure) { f.lyricsF.Store(int64(mode)) }

// LyricsRequests is how many get-timestamped-lyrics requests the fake has
// received.
func (f *Fake) LyricsRequests() int { return int(f.lyricsN.Load()) }

// Lyrics is the body the fake answers get-timestamped-lyrics with: the
// documented example, for every track.
func (f *Fake) Lyrics() []byte { return f.lyrics }

// Lookups is how many record-info requests the fake has received.
func (f *Fake) Lookups() int { return int(f.lookups.Load()) }

// Audio is the bytes of the audio file every track serves.
func (f *Fake) Audio() []byte { return f.audio }

func (f *Fake) recordInfo(w http.ResponseWriter, r *http.Request) {
	f.lookups.Add(1)
	if f.failed(w, r, Failure(f.failure.Load())) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.Key {
		writeEnvelope(w, http.StatusUnauthorized, 401, "Unauthorized", nil)
		return
	}
	id := r.URL.Query().Get("taskId")
	f.mu.Lock()
	t, ok := f.tasks[id]
	ok = ok && !t.jobs
	var data map[string]any
	if ok {
		data = f.record(id, t)
	}
	f.mu.Unlock()
	if !ok {
		writeEnvelope(w, 200, 400, "taskId not found", nil)
		return
	}
	writeEnvelope(w, 200, 200, "success", data)
}

// timestampedLyrics answers get-timestamped-lyrics ({"taskId",
// "audioId"}) for a track of the fake with the documented example.
func (f *Fake) timestampedLyrics(w http.ResponseWriter, r *http.Request) {
	f.lyricsN.Add(1)
	if f.failed(w, r, Failure(f.lyricsF.Load())) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.Key {
		writeEnvelope(w, http.StatusUnauthorized, 401, "Unauthorized", nil)
		return
	}
	var req struct{ TaskID, AudioID string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeEnvelope(w, 200, 400, "Invalid parameters", nil)
		return
	}
	f.mu.Lock()
	found := false
	if t, ok := f.tasks[req.TaskID]; ok {
		for _, tr := range t.tracks {
			found = found || tr.id == req.AudioID
		}
	}
	f.mu.Unlock()
	if !found {
		writeEnvelope(w, 200, 400, "audioId not found", nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(f.lyrics)
}

// failed answers r as mode says and reports whether it did (OK answers
// nothing).
func (f *Fake) failed(w http.ResponseWriter, r *http.Request, mode Failure) bool {
	switch mode {
	case Refuse:
		writeEnvelope(w, http.StatusUnauthorized, 401, "Unauthorized", nil)
	case RefuseInBody:
		writeEnvelope(w, 200, 401, "Unauthorized", nil)
	case Unavailable:
		w.Header().Set("Retry-After", "7")
		writeEnvelope(w, http.StatusServiceUnavailable, 500, "Server error", nil)
	case Maintenance:
		writeEnvelope(w, 200, 455, "System maintenance", nil)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-f.hangDone:
		}
	case NotEnvelope:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>Welcome to nginx!</body></html>"))
	case EchoKey:
		writeEnvelope(w, 200, 401, "Invalid API key: "+r.Header.Get("Authorization"), nil)
	default:
		return false
	}
	return true
}

// record builds data from the documented example: its fields and shape,
// this task's ids, URLs, titles and status.
func (f *Fake) record(id string, t *musicTask) map[string]any {
	data := clone(f.example["data"]).(map[string]any)
	data["taskId"], data["status"] = id, t.status
	resp := data["response"].(map[string]any)
	resp["taskId"] = id
	template := resp["sunoData"].([]any)[0]
	var tracks []any
	for _, tr := range t.tracks {
		e := clone(template).(map[string]any)
		base := fmt.Sprintf("%s/files/%s/%s/", f.URL, id, tr.id)
		e["id"], e["title"], e["duration"] = tr.id, tr.title, float64(len(f.audio))/16000 // 128 kbit/s
		e["streamAudioUrl"] = base + "stream"
		if t.status == "SUCCESS" || t.status == "FIRST_SUCCESS" || t.status == "CALLBACK_EXCEPTION" {
			e["audioUrl"] = fmt.Sprintf("%saudio-%d.mp3", base, tr.gen)
			e["imageUrl"] = fmt.Sprintf("%scover-%d.png", base, tr.gen)
		} else {
			e["audioUrl"], e["imageUrl"] = "", ""
		}
		tracks = append(tracks, e)
	}
	resp["sunoData"] = tracks
	return data
}

func (f *Fake) file(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var tr *track
	if t, ok := f.tasks[r.PathValue("task")]; ok {
		for _, x := range t.tracks {
			if x.id == r.PathValue("track") {
				tr = x
			}
		}
	}
	var current bool
	if tr != nil {
		name := r.PathValue("file")
		gen := fmt.Sprint(tr.gen)
		current = !tr.expired && (name == "audio-"+gen+".mp3" || name == "cover-"+gen+".png")
	}
	f.mu.Unlock()
	switch {
	case tr == nil:
		http.NotFound(w, r)
	case !current:
		http.Error(w, "Request has expired", http.StatusForbidden)
	case strings.HasSuffix(r.PathValue("file"), ".png"):
		http.ServeContent(w, r, "cover.png", time.Time{}, bytes.NewReader(f.cover))
	default:
		http.ServeContent(w, r, "audio.mp3", time.Time{}, bytes.NewReader(f.audio))
	}
}

// randomHex is n random bytes in hex, for ids shaped like the services'.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func writeEnvelope(w http.ResponseWriter, status, code int, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg, "data": data})
}

// loadExample reads the documented example answer of docs.sunoapi.org.
func loadExample() (map[string]any, error) {
	b, err := os.ReadFile(testdata("..", "testdata", "sunoapi-record-info.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the documented example: %w", err)
	}
	var v map[string]any
	return v, json.Unmarshal(b, &v)
}

// testdata is a path relative to this package's directory.
func testdata(elem ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file)}, elem...)...)
}

func clone(v any) any {
	b, _ := json.Marshal(v)
	var c any
	json.Unmarshal(b, &c)
	return c
}

// makeAudio makes an MP3 of two tones with ffmpeg.
func makeAudio(dir string, seconds int) ([]byte, error) {
	out := filepath.Join(dir, "upstream-song.mp3")
	cmd := exec.Command("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=330:duration=%d", seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=495:duration=%d", seconds),
		"-filter_complex", "[0][1]amix=inputs=2", "-b:a", "128k", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("making the fake's audio: %v: %s", err, b)
	}
	return os.ReadFile(out)
}

// makeCover draws a 256×256 gradient PNG.
func makeCover() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
