package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserDialect: the dashboard shows which API each task was created
// through: a "jobs API" tag on the rows of tasks made by createTask, none
// on generate's, and "Created through" in a task's details.
func TestBrowserDialect(t *testing.T) {
	chrome := chromium(t)
	dir := t.TempDir()
	srv := startServer(t, filepath.Join(dir, "data"))
	token, _ := newKey(t, srv)
	audio := makeAudio(t, dir, 2)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, audio) }))
	defer files.Close()

	post := func(path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Code int
			Msg  string
			Data map[string]any
		}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 200 {
			t.Fatalf("POST %s: %d %s (%v)", path, env.Code, env.Msg, err)
		}
		return env.Data
	}
	track := post("/api/v1/tracks", map[string]any{"audioUrl": files.URL + "/song.mp3", "title": "Sine"})
	mp4 := post("/api/v1/mp4/generate", map[string]any{"taskId": track["taskId"], "audioId": track["audioId"]})["taskId"].(string)
	jobs := post("/api/v1/jobs/createTask", map[string]any{"model": "ai-music-api/create-music-video",
		"input": map[string]any{"task_id": track["taskId"], "audio_id": track["audioId"]}})["taskId"].(string)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()
	b := &browser{t: t, ctx: ctx, artifacts: dir}
	b.do("signing in", chromedp.Navigate(srv.URL()), chromedp.WaitVisible(chromedp.ID("signin-view")),
		chromedp.SendKeys(chromedp.ID("signin-key"), token+kb.Enter), chromedp.WaitVisible(chromedp.ID("home-view")))
	b.waitFor("both rows", `document.querySelectorAll("#tasks li.task").length === 2`, 20*time.Second)

	row := func(id, js string) string {
		return eval[string](b, `(() => { const r = document.querySelector('#tasks li[data-task-id="`+id+`"]'); return `+js+`; })()`)
	}
	if got := row(jobs, `r.dataset.dialect + "|" + (r.querySelector(".dialect")?.textContent ?? "")`); got != "jobs|jobs API" {
		t.Errorf("the jobs task's row: dialect|tag = %q, want %q", got, "jobs|jobs API")
	}
	if got := row(mp4, `r.dataset.dialect + "|" + (r.querySelector(".dialect")?.textContent ?? "")`); got != "mp4|" {
		t.Errorf("the generate task's row: dialect|tag = %q, want %q (no tag)", got, "mp4|")
	}
	for id, want := range map[string]string{jobs: "jobs API (createTask)", mp4: "mp4 API (generate)"} {
		b.do("opening a task", chromedp.Navigate(srv.URL()+"/#/task/"+id))
		b.waitFor("its fields", `document.getElementById("fields").textContent.includes("Created through")`, 20*time.Second)
		fields := eval[string](b, `document.getElementById("fields").textContent`)
		if !strings.Contains(fields, "Created through"+want) {
			t.Errorf("task %s's fields %q, want %q", id, fields, "Created through"+want)
		}
	}
}
