package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
)

// listFixture is an API on SQLite with two keys, "alice" and "bob".
type listFixture struct {
	t   *testing.T
	db  *sqlite.Store
	h   *api.Handler
	srv *httptest.Server
}

func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	ctx := context.Background()
	base := newFixture(t)
	db := base.db
	for _, name := range []string{"alice", "bob"} {
		if err := db.CreateKey(ctx, &mvgen.Key{ID: name, Name: name, TokenHash: mvgen.HashToken("tok-" + name),
			WebhookSecret: "whsec_" + name, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return &listFixture{t: t, db: db, h: base.h, srv: base.srv}
}

// addTask stores a pending task of key, created at, with a titled track.
func (f *listFixture) addTask(key, title string, at time.Time) *mvgen.Task {
	f.t.Helper()
	ctx := context.Background()
	tr := &mvgen.Track{KeyID: key, MusicTaskID: mvgen.NewID(), ID: mvgen.NewID(), Title: title, Tags: "t",
		AudioKey: "a", CreatedAt: at}
	if err := f.db.CreateTrack(ctx, tr); err != nil {
		f.t.Fatal(err)
	}
	tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: key, MusicTaskID: tr.MusicTaskID, AudioID: tr.ID,
		Author: "Ada", Status: mvgen.StatusPending, RenderKey: mvgen.NewID(), WebhookID: "msg_" + mvgen.NewID(),
		CreatedAt: at}
	if _, err := f.db.CreateTask(ctx, tk); err != nil {
		f.t.Fatal(err)
	}
	return tk
}

// summary is a task as the list and the event stream give it.
type summary struct {
	TaskID       string  `json:"taskId"`
	Title        string  `json:"title"`
	SuccessFlag  string  `json:"successFlag"`
	Progress     int     `json:"progress"`
	Aspect       string  `json:"aspect"`
	CreateTime   string  `json:"createTime"`
	CompleteTime *string `json:"completeTime"`
	ErrorCode    *int    `json:"errorCode"`
	ErrorMessage *string `json:"errorMessage"`
}

type listAnswer struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data struct {
		Tasks      []summary `json:"tasks"`
		NextCursor *string   `json:"nextCursor"`
	} `json:"data"`
}

func (f *listFixture) get(token, path string, v any) int {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := apitest.Client(f.t, f.srv.URL).Do(req) // checked against docs/openapi.yaml
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		f.t.Fatalf("GET %s: not the JSON envelope: %v", path, err)
	}
	return resp.StatusCode
}

// TestListTasks: newest first with titles, paged by nextCursor, filtered by
// status, another key's tasks absent, bad parameters refused by name.
func TestListTasks(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	var ids []string // newest first
	for i := range 5 {
		tk := f.addTask("alice", "Song "+string(rune('A'+i)), base.Add(time.Duration(i)*time.Minute))
		ids = append([]string{tk.ID}, ids...)
	}
	f.addTask("bob", "Bob's", base.Add(time.Hour))
	if _, err := f.db.FinishTask(context.Background(), ids[0], store.Result{Status: mvgen.StatusRenderFailed,
		ErrorCode: 400, ErrorMessage: "audio is not audio", CompletedAt: base.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	var a listAnswer
	if status := f.get("tok-alice", "/api/v1/mp4/tasks?limit=2", &a); status != 200 || a.Code != 200 {
		t.Fatalf("first page: HTTP %d code %d %s", status, a.Code, a.Msg)
	}
	first := a.Data.Tasks
	if len(first) != 2 || first[0].TaskID != ids[0] || first[1].TaskID != ids[1] {
		t.Fatalf("first page = %+v, want tasks %v", first, ids[:2])
	}
	if s := first[0]; s.Title != "Song E" || s.SuccessFlag != "GENERATE_MP4_FAILED" || s.ErrorCode == nil || *s.ErrorCode != 400 ||
		s.ErrorMessage == nil || *s.ErrorMessage != "audio is not audio" || s.CompleteTime == nil || s.Aspect != "16:9" {
		t.Errorf("failed task = %+v, want title Song E, GENERATE_MP4_FAILED, error 400 with its message, a completeTime, aspect 16:9", s)
	}
	if s := first[1]; s.SuccessFlag != "PENDING" || s.ErrorCode != nil || s.CompleteTime != nil {
		t.Errorf("pending task = %+v, want PENDING without error or completeTime", s)
	}

	// Walk every page.
	var walked []string
	path := "/api/v1/mp4/tasks?limit=2"
	for range 5 {
		var p listAnswer
		f.get("tok-alice", path, &p)
		for _, s := range p.Data.Tasks {
			walked = append(walked, s.TaskID)
		}
		if p.Data.NextCursor == nil {
			break
		}
		path = "/api/v1/mp4/tasks?limit=2&cursor=" + *p.Data.NextCursor
	}
	if strings.Join(walked, ",") != strings.Join(ids, ",") {
		t.Errorf("walking pages of 2: got %v, want %v", walked, ids)
	}

	var pending listAnswer
	f.get("tok-alice", "/api/v1/mp4/tasks?status=PENDING", &pending)
	if len(pending.Data.Tasks) != 4 || pending.Data.NextCursor != nil {
		t.Errorf("status=PENDING: %d tasks, next %v; want 4 and no next page", len(pending.Data.Tasks), pending.Data.NextCursor)
	}
	var bob listAnswer
	f.get("tok-bob", "/api/v1/mp4/tasks", &bob)
	if len(bob.Data.Tasks) != 1 || bob.Data.Tasks[0].Title != "Bob's" {
		t.Errorf("bob's list = %+v, want only his task", bob.Data.Tasks)
	}

	for _, tt := range []struct {
		query, msg string
	}{
		{"status=DONE", `status must be one of PENDING, SUCCESS, CREATE_TASK_FAILED, GENERATE_MP4_FAILED, CALLBACK_EXCEPTION (got "DONE")`},
		{"limit=0", `limit must be a whole number from 1 to 100 (got "0")`},
		{"limit=101", `limit must be a whole number from 1 to 100 (got "101")`},
		{"limit=ten", `limit must be a whole number from 1 to 100 (got "ten")`},
		{"cursor=!!", `cursor is not a nextCursor this API returned (got "!!")`},
		{"cursor=bm9kb3Q", `cursor is not a nextCursor this API returned (got "bm9kb3Q")`},
	} {
		var e listAnswer
		if status := f.get("tok-alice", "/api/v1/mp4/tasks?"+tt.query, &e); status != 422 || e.Code != 422 || e.Msg != tt.msg {
			t.Errorf("%s: HTTP %d code %d %q, want 422 %q", tt.query, status, e.Code, e.Msg, tt.msg)
		}
	}
}

// TestOneTask: GET /api/v1/mp4/tasks/{taskId} gives the key's own task only.
func TestOneTask(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	tk := f.addTask("alice", "Solo", time.Now())
	var a struct {
		Code int     `json:"code"`
		Msg  string  `json:"msg"`
		Data summary `json:"data"`
	}
	if status := f.get("tok-alice", "/api/v1/mp4/tasks/"+tk.ID, &a); status != 200 || a.Data.TaskID != tk.ID || a.Data.Title != "Solo" {
		t.Errorf("own task: HTTP %d %+v, want 200 with %s titled Solo", status, a.Data, tk.ID)
	}
	if status := f.get("tok-bob", "/api/v1/mp4/tasks/"+tk.ID, &a); status != 404 || a.Code != 404 {
		t.Errorf("another key's task: HTTP %d code %d, want 404", status, a.Code)
	}
	if status := f.get("bad", "/api/v1/mp4/tasks", &a); status != 401 || a.Msg != "unknown API key" {
		t.Errorf("unknown key: HTTP %d %q, want 401 unknown API key", status, a.Msg)
	}
}
