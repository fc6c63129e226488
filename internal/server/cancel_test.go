package server_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// TestCancelStopsWork: POST /api/v1/mp4/cancel stops a render and a
// download in progress within moments; neither leaves a file behind.
func TestCancelStopsWork(t *testing.T) {
	t.Parallel()
	cfg := serverConfig(t.TempDir())
	cfg.FetchMinRate = 1 << 10 // the endless source stays above it
	srv := startServer(t, cfg)
	cancelStopsWork(t, srv, srv, filepath.Join(srv.DataDir(), "files"))
}

// TestCancelStopsWorkPostgres is the same with two nodes on PostgreSQL: the
// cancel reaches an API-only node and stops the work on the other.
func TestCancelStopsWorkPostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn, files := pgtest.DSN(t), filepath.Join(dir, "files")
	var nodes [2]*running
	for i, name := range []string{"api", "work"} {
		cfg := serverConfig(filepath.Join(dir, name))
		cfg.DB, cfg.Blob, cfg.APIOnly = dsn, files, name == "api"
		cfg.FetchMinRate = 1 << 10
		nodes[i] = startServer(t, cfg)
	}
	cancelStopsWork(t, nodes[0], nodes[1], files)
}

// cancelStopsWork submits a long render and an endless download through
// api, cancels both once work has started them, and checks that work
// stopped them and kept nothing (blobs is the shared blob directory).
func cancelStopsWork(t *testing.T, api, work *running, blobs string) {
	c := newClient(t, api.Store(), api.URL())
	scratch := filepath.Join(work.DataDir(), "tmp")

	e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": slowSources(t)["endless"], "title": "endless"})
	var tr struct{ TaskID, AudioID string }
	if e.Code != 200 || json.Unmarshal(e.Data, &tr) != nil {
		t.Fatalf("register URL track: %d %s", e.Code, e.Msg)
	}
	fetching := c.generate(map[string]any{"taskId": tr.TaskID, "audioId": tr.AudioID})
	m, a := c.upload(makeAudio(t, t.TempDir(), "long.mp3", 180), "", "long")
	rendering := c.generate(map[string]any{"taskId": m, "audioId": a})

	if !waitFor(time.Minute, func() bool {
		r, _ := c.record(rendering)
		downloads, _ := filepath.Glob(filepath.Join(scratch, "fetch-*"))
		return r.Progress > 0 && len(downloads) == 1
	}) {
		t.Fatal("the download and the render did not both start within a minute")
	}
	if r, _ := c.record(rendering); r.SuccessFlag != "PENDING" {
		t.Fatalf("the render ended (%s) before it was cancelled", r.SuccessFlag)
	}
	cancelled := time.Now()
	for _, id := range []string{fetching, rendering} {
		if e := c.postJSON("/api/v1/mp4/cancel", map[string]any{"taskId": id}); e.Code != 200 {
			t.Fatalf("cancel %s: %d %s", id, e.Code, e.Msg)
		}
	}
	// The render works in render-TASK-*, a download in fetch-*: both go
	// when their job stops.
	if !waitFor(10*time.Second, func() bool {
		left, _ := filepath.Glob(filepath.Join(scratch, "*"))
		return len(left) == 0
	}) {
		left, _ := filepath.Glob(filepath.Join(scratch, "*"))
		t.Fatalf("10 s after the cancels the work goes on: %v", left)
	}
	t.Logf("render and download stopped %v after the cancels", time.Since(cancelled).Round(time.Millisecond))
	for _, pattern := range []string{"videos/*", "fetched/*/*"} { // posters lie beside videos
		if left, _ := filepath.Glob(filepath.Join(blobs, pattern)); len(left) != 0 {
			t.Errorf("cancelled work left %v", left)
		}
	}
	for _, id := range []string{fetching, rendering} {
		if r, _ := c.record(id); r.SuccessFlag != "GENERATE_MP4_FAILED" || r.ErrorMessage == nil || *r.ErrorMessage != "Task cancelled by the caller" {
			t.Errorf("task %s after the cancel: %s %v, want GENERATE_MP4_FAILED, the cancel message", id, r.SuccessFlag, r.ErrorMessage)
		}
	}
}
