package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// trackListAnswer is GET /api/v1/tracks without taskId.
type trackListAnswer struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data struct {
		Tracks []struct {
			TaskID   string `json:"taskId"`
			AudioID  string `json:"audioId"`
			Title    string `json:"title"`
			Uploaded bool   `json:"uploaded"`
			HasCover bool   `json:"hasCover"`
		} `json:"tracks"`
		NextCursor *string `json:"nextCursor"`
	} `json:"data"`
}

// TestListAllTracks: GET /api/v1/tracks without taskId lists the key's
// tracks newest first, paged by nextCursor; another key's are absent; bad
// parameters are refused by name.
func TestListAllTracks(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	var want []string // newest first, "taskId/audioId"
	for i := range 5 {
		tk := f.addTask("alice", "Song "+string(rune('A'+i)), base.Add(time.Duration(i)*time.Minute))
		want = append([]string{tk.MusicTaskID + "/" + tk.AudioID}, want...)
	}
	f.addTask("bob", "Bob's", base)

	var first trackListAnswer
	if status := f.get("tok-alice", "/api/v1/tracks?limit=2", &first); status != 200 || first.Code != 200 {
		t.Fatalf("first page: HTTP %d code %d %s", status, first.Code, first.Msg)
	}
	if tr := first.Data.Tracks[0]; tr.Title != "Song E" || !tr.Uploaded || tr.HasCover {
		t.Errorf("newest track = %+v, want Song E, uploaded, without cover", tr)
	}
	var walked []string
	path := "/api/v1/tracks?limit=2"
	for range 5 {
		var p trackListAnswer
		f.get("tok-alice", path, &p)
		for _, tr := range p.Data.Tracks {
			walked = append(walked, tr.TaskID+"/"+tr.AudioID)
		}
		if p.Data.NextCursor == nil {
			break
		}
		path = "/api/v1/tracks?limit=2&cursor=" + *p.Data.NextCursor
	}
	if strings.Join(walked, ",") != strings.Join(want, ",") {
		t.Errorf("walking pages of 2: got %v, want %v", walked, want)
	}
	var bob trackListAnswer
	if f.get("tok-bob", "/api/v1/tracks", &bob); len(bob.Data.Tracks) != 1 || bob.Data.Tracks[0].Title != "Bob's" || bob.Data.NextCursor != nil {
		t.Errorf("bob's tracks = %+v, want only his, no next page", bob.Data)
	}

	for _, tt := range []struct{ query, msg string }{
		{"limit=0", `limit must be a whole number from 1 to 100 (got "0")`},
		{"limit=101", `limit must be a whole number from 1 to 100 (got "101")`},
		{"cursor=!!", `cursor is not a nextCursor this API returned (got "!!")`},
		{"cursor=e30", `cursor is not a nextCursor this API returned (got "e30")`}, // {}
	} {
		var e trackListAnswer
		if status := f.get("tok-alice", "/api/v1/tracks?"+tt.query, &e); status != 422 || e.Code != 422 || e.Msg != tt.msg {
			t.Errorf("%s: HTTP %d code %d %q, want 422 %q", tt.query, status, e.Code, e.Msg, tt.msg)
		}
	}
}

// TestListTasksCreatedWindow: createdAfter and createdBefore narrow the
// task list, in each accepted time format; a malformed one is 422 by name.
func TestListTasksCreatedWindow(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var ids []string // oldest first
	for i := range 4 {
		ids = append(ids, f.addTask("alice", "S", base.Add(time.Duration(i)*time.Hour)).ID)
	}
	for _, tt := range []struct {
		query string
		want  []string // newest first
	}{
		{"createdAfter=2026-03-01T13:00:00Z", []string{ids[3], ids[2]}},
		{"createdAfter=2026-03-01T14:30:00%2B02:00", []string{ids[3], ids[2], ids[1]}}, // 12:30 UTC
		{"createdBefore=2026-03-01+14:00:00", []string{ids[1], ids[0]}},
		{"createdAfter=" + itoa(base.UnixMilli()) + "&createdBefore=" + itoa(base.Add(3*time.Hour).UnixMilli()), []string{ids[2], ids[1]}},
		{"createdAfter=2026-03-02T00:00:00Z", nil},
	} {
		var a listAnswer
		if status := f.get("tok-alice", "/api/v1/mp4/tasks?"+tt.query, &a); status != 200 {
			t.Errorf("%s: HTTP %d %s, want 200", tt.query, status, a.Msg)
			continue
		}
		var got []string
		for _, s := range a.Data.Tasks {
			got = append(got, s.TaskID)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: got %v, want %v", tt.query, got, tt.want)
		}
	}
	for _, tt := range []struct{ query, name string }{
		{"createdAfter=yesterday", "createdAfter"},
		{"createdBefore=2026-13-01T00:00:00Z", "createdBefore"},
	} {
		var e listAnswer
		if status := f.get("tok-alice", "/api/v1/mp4/tasks?"+tt.query, &e); status != 422 || !strings.HasPrefix(e.Msg, tt.name+" must be an RFC 3339 time") {
			t.Errorf("%s: HTTP %d %q, want 422 naming %s", tt.query, status, e.Msg, tt.name)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDeleteTrack: a track a pending task needs is kept (409 naming the
// task); once the task is cancelled the track and its uploaded files go;
// another key's track is 404; taskId is required.
func TestDeleteTrack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.client("alice"), f.client("bob")
	body := "--B\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.mp3\"\r\n\r\nID3 audio\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"cover\"; filename=\"c.jpg\"\r\n\r\nJPEG cover\r\n--B--\r\n"
	e := alice.do(http.MethodPost, "/api/v1/tracks", multipartContentType, strings.NewReader(body))
	var tr struct{ TaskID, AudioID string }
	if err := json.Unmarshal(e.Data, &tr); e.Code != 200 || err != nil {
		t.Fatalf("upload: %d %s", e.Code, e.Msg)
	}
	files := []string{filepath.Join(f.files, "sources", tr.AudioID, "audio"), filepath.Join(f.files, "sources", tr.AudioID, "cover")}
	for _, p := range files {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("uploaded file: %v", err)
		}
	}
	videoTask := alice.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID, "author": "A", "domainName": "example.com"})
	path := "/api/v1/tracks/" + tr.AudioID + "?taskId=" + tr.TaskID

	for _, tt := range []struct {
		name string
		c    *client
		path string
		want int
		msg  string
	}{
		{"pending task needs it", alice, path, 409, "is needed by pending video task " + videoTask},
		{"another key's", bob, path, 404, "no track with taskId"},
		{"taskId missing", alice, "/api/v1/tracks/" + tr.AudioID, 422, "taskId query parameter is required"},
	} {
		if e := tt.c.do(http.MethodDelete, tt.path, "", nil); e.HTTP != tt.want || e.Code != tt.want || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("%s: HTTP %d code %d %q, want %d containing %q", tt.name, e.HTTP, e.Code, e.Msg, tt.want, tt.msg)
		}
	}
	if e := alice.postJSON("/api/v1/mp4/cancel", map[string]any{"taskId": videoTask}); e.Code != 200 {
		t.Fatalf("cancel: %d %s", e.Code, e.Msg)
	}
	if e := alice.do(http.MethodDelete, path, "", nil); e.HTTP != 200 || e.Code != 200 {
		t.Fatalf("delete after the task ended: HTTP %d code %d %s, want 200", e.HTTP, e.Code, e.Msg)
	}
	for _, p := range files {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s after the delete: %v, want it gone", p, err)
		}
	}
	if e := alice.do(http.MethodGet, "/api/v1/tracks?taskId="+tr.TaskID, "", nil); e.Code != 404 {
		t.Errorf("listing the deleted track's music task: code %d %s, want 404", e.Code, e.Msg)
	}
	if e := alice.do(http.MethodDelete, path, "", nil); e.Code != 404 {
		t.Errorf("deleting twice: code %d %s, want 404", e.Code, e.Msg)
	}
}

// TestCancel: a pending task ends GENERATE_MP4_FAILED with code 400 and the
// cancel message, as record-info shows; an ended task is 409, another
// key's 404, a music task's id explained, a missing taskId 422.
func TestCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.client("alice"), f.client("bob")
	music, audio := alice.track()
	id := alice.generate(map[string]any{"taskId": music, "audioId": audio, "author": "A", "domainName": "example.com"})

	if e := bob.postJSON("/api/v1/mp4/cancel", map[string]any{"taskId": id}); e.Code != 404 {
		t.Errorf("another key's task: code %d %s, want 404", e.Code, e.Msg)
	}
	e := alice.postJSON("/api/v1/mp4/cancel", map[string]any{"taskId": id})
	var s summary
	if err := json.Unmarshal(e.Data, &s); e.Code != 200 || err != nil {
		t.Fatalf("cancel: %d %s", e.Code, e.Msg)
	}
	if s.SuccessFlag != "GENERATE_MP4_FAILED" || s.ErrorCode == nil || *s.ErrorCode != 400 || s.ErrorMessage == nil || *s.ErrorMessage != "Task cancelled by the caller" {
		t.Errorf("cancelled task = %+v, want GENERATE_MP4_FAILED, 400, the cancel message", s)
	}
	got, err := f.db.Task(context.Background(), "", id)
	if err != nil || got.Status != mvgen.StatusRenderFailed || got.CompletedAt.IsZero() {
		t.Errorf("stored task = %+v, %v; want GENERATE_MP4_FAILED with a completion time", got, err)
	}
	for _, tt := range []struct {
		name string
		body any
		want int
		msg  string
	}{
		{"already ended", map[string]any{"taskId": id}, 409, "has already ended (GENERATE_MP4_FAILED)"},
		{"a music task's id", map[string]any{"taskId": music}, 404, "is a music task"},
		{"no taskId", map[string]any{}, 422, "taskId is required"},
		{"near miss", map[string]any{"task_id": id}, 422, "did you mean taskId"},
	} {
		if e := alice.postJSON("/api/v1/mp4/cancel", tt.body); e.HTTP != tt.want || e.Code != tt.want || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("%s: HTTP %d code %d %q, want %d containing %q", tt.name, e.HTTP, e.Code, e.Msg, tt.want, tt.msg)
		}
	}
}
