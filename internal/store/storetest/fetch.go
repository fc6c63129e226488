package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// testFetch: a task whose track has remote sources starts with a fetch job;
// an uploaded one with its render. RecordFetch records the files and queues
// the render in one transaction, and only for a pending task.
func testFetch(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	tracks := []struct {
		track *mvgen.Track
		want  jobs.Kind
	}{
		{&mvgen.Track{ID: "url", AudioURL: "https://example.com/a.mp3"}, jobs.KindFetch},
		{&mvgen.Track{ID: "url-cover", AudioKey: "sources/x/audio", ImageURL: "https://example.com/c.jpg"}, jobs.KindFetch},
		{&mvgen.Track{ID: "uploaded", AudioKey: "sources/y/audio", ImageURL: "https://example.com/c.jpg", CoverKey: "sources/y/cover"}, jobs.KindRender},
		{&mvgen.Track{ID: "plain", AudioKey: "sources/z/audio"}, jobs.KindRender},
		{nil, jobs.KindRender}, // no track at all: the render reports it
	}
	var fetchTask *mvgen.Task
	for _, tt := range tracks {
		tk := newTask(k)
		tk.MusicTaskID = "m-fetch"
		tk.AudioID = "missing"
		if tt.track != nil {
			tr := tt.track
			tr.KeyID, tr.MusicTaskID, tr.CreatedAt = k.ID, "m-fetch", now
			if err := s.CreateTrack(ctx, tr); err != nil {
				t.Fatal(err)
			}
			tk.AudioID = tr.ID
		}
		if _, err := s.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		js := jobsOf(t, q, tk.ID)
		if len(js) != 1 || js[0].Kind != tt.want {
			t.Errorf("task of track %s: jobs %+v, want one %s job", tk.AudioID, js, tt.want)
		}
		if tk.AudioID == "url" {
			fetchTask = tk
		}
	}
	if _, err := s.Fetched(ctx, fetchTask.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Fetched before RecordFetch = %v, want ErrNotFound", err)
	}
	f := &store.Fetched{TaskID: fetchTask.ID, AudioKey: "fetched/" + fetchTask.ID + "/audio", FetchedAt: now}
	if err := s.RecordFetch(ctx, f); err != nil {
		t.Fatalf("RecordFetch: %v", err)
	}
	got, err := s.Fetched(ctx, fetchTask.ID)
	if err != nil || got.AudioKey != f.AudioKey || got.CoverKey != "" || !got.FetchedAt.Equal(now) {
		t.Errorf("Fetched = %+v, %v; want %+v", got, err, f)
	}
	js := jobsOf(t, q, fetchTask.ID)
	if len(js) != 2 || js[1].Kind != jobs.KindRender || js[1].State != "available" {
		t.Errorf("after RecordFetch: jobs %+v, want the fetch and an available render", js)
	}
	if done, err := s.DoneFetches(ctx, 10); err != nil || len(done) != 0 {
		t.Errorf("DoneFetches while the task is pending = %v, %v; want none", done, err)
	}
	if _, err := s.FinishTask(ctx, fetchTask.ID, store.Result{Status: mvgen.StatusCreateFailed, ErrorCode: 451,
		CompletedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFetch(ctx, f); !errors.Is(err, store.ErrNotPending) {
		t.Errorf("RecordFetch for an ended task = %v, want ErrNotPending", err)
	}
	done, err := s.DoneFetches(ctx, 10)
	if err != nil || len(done) != 1 || done[0].AudioKey != f.AudioKey {
		t.Errorf("DoneFetches = %v, %v; want the ended task's", done, err)
	}
	if err := s.ForgetFetch(ctx, fetchTask.ID); err != nil {
		t.Fatal(err)
	}
	if done, _ := s.DoneFetches(ctx, 10); len(done) != 0 {
		t.Errorf("DoneFetches after ForgetFetch = %v, want none", done)
	}
}

// testSourceRetention: uploaded sources past the cutoff are marked unless a
// pending task needs them; marked tracks come back until SourcesDeleted.
func testSourceRetention(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	add := func(id string, created time.Time, audioKey, audioURL string) *mvgen.Track {
		tr := &mvgen.Track{KeyID: k.ID, MusicTaskID: "m-ret", ID: id, AudioKey: audioKey, AudioURL: audioURL, CreatedAt: created}
		if err := s.CreateTrack(ctx, tr); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	add("old", now, "sources/old/audio", "")
	add("new", now.Add(10*24*time.Hour), "sources/new/audio", "")
	add("url", now, "", "https://example.com/a.mp3")
	add("busy", now, "sources/busy/audio", "")
	busy := newTask(k)
	busy.MusicTaskID, busy.AudioID = "m-ret", "busy"
	if _, err := s.CreateTask(ctx, busy); err != nil {
		t.Fatal(err)
	}
	cutoff := now.Add(5 * 24 * time.Hour)
	ids := func(trs []*mvgen.Track) []string {
		var out []string
		for _, tr := range trs {
			out = append(out, tr.ID)
		}
		return out
	}
	marked, err := s.PurgeSources(ctx, cutoff, 10)
	if err != nil || len(marked) != 1 || marked[0].ID != "old" || marked[0].AudioKey != "sources/old/audio" {
		t.Fatalf("PurgeSources = %v, %v; want [old]", ids(marked), err)
	}
	if tr, _ := s.Track(ctx, k.ID, "m-ret", "old"); !tr.SourcesPurged {
		t.Errorf("marked track: SourcesPurged = false")
	}
	if tr, _ := s.Track(ctx, k.ID, "m-ret", "busy"); tr.SourcesPurged {
		t.Errorf("a track a pending task needs was marked")
	}
	// The deletion failed: the track comes back on the next run.
	if again, _ := s.PurgeSources(ctx, cutoff, 10); len(again) != 1 || again[0].ID != "old" {
		t.Errorf("PurgeSources again before SourcesDeleted = %v, want [old]", ids(again))
	}
	if err := s.SourcesDeleted(ctx, marked[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishTask(ctx, busy.ID, store.Result{Status: mvgen.StatusRenderFailed, CompletedAt: now}); err != nil {
		t.Fatal(err)
	}
	marked, err = s.PurgeSources(ctx, cutoff, 10)
	if err != nil || len(marked) != 1 || marked[0].ID != "busy" {
		t.Errorf("PurgeSources after the task ended = %v, %v; want [busy]", ids(marked), err)
	}
}
