package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// testRenditions: a task's renditions (contract §6.5) are stored with it,
// read back in order, finished with it (each video recorded under its own
// render key, for reuse and the purge), and counted by CountPending.
func testRenditions(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	tk := newTask(k)
	tk.Renditions = []mvgen.Rendition{
		{Index: 1, Aspect: "9:16", RenderKey: "rk-" + mvgen.NewID()},
		{Index: 2, Aspect: "4:5", Resolution: "1080p", FullFrame: true, RenderKey: "rk-" + mvgen.NewID()},
		{Index: 3, Aspect: "9:16", Clip: &mvgen.Clip{Auto: true, Duration: 30 * time.Second}, RenderKey: "rk-" + mvgen.NewID()},
		{Index: 4, Aspect: "1:1", Clip: &mvgen.Clip{Start: 12500 * time.Millisecond, Duration: 5 * time.Second}, RenderKey: "rk-" + mvgen.NewID()},
	}
	if _, err := s.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	plain := newTask(k)
	if _, err := s.CreateTask(ctx, plain); err != nil {
		t.Fatal(err)
	}
	got, err := s.Task(ctx, k.ID, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Renditions, tk.Renditions) {
		t.Errorf("stored renditions:\n got %+v\nwant %+v", got.Renditions, tk.Renditions)
	}
	if got, err := s.Task(ctx, k.ID, plain.ID); err != nil || got.Renditions != nil {
		t.Errorf("a task without renditions reads back %v (%v), want none", got.Renditions, err)
	}
	if n, err := s.CountPending(ctx, k.ID); err != nil || n != 6 {
		t.Errorf("CountPending = %d, %v; want 6 (5 videos of the kit, 1 of the plain task)", n, err)
	}

	r := store.Result{Status: mvgen.StatusSuccess, VideoKey: "videos/0.mp4", VideoSize: 10, Duration: 3 * time.Minute,
		CompletedAt: now, ExpiresAt: now.Add(time.Hour)}
	want := make([]mvgen.Rendition, len(tk.Renditions))
	copy(want, tk.Renditions)
	for i, rd := range tk.Renditions {
		v := store.RenditionResult{Index: rd.Index, VideoKey: "videos/" + rd.RenderKey + ".mp4", VideoSize: int64(100 + i),
			Width: 720, Height: 1280, Duration: 3 * time.Minute, Captions: mvgen.CaptionsStored}
		if rd.Clip != nil {
			v.Start, v.Duration = 42*time.Second, rd.Clip.Duration
		}
		r.Renditions = append(r.Renditions, v)
		want[i].VideoKey, want[i].Width, want[i].Height, want[i].Start, want[i].Duration, want[i].Captions =
			v.VideoKey, v.Width, v.Height, v.Start, v.Duration, v.Captions
	}
	if _, err := s.FinishTask(ctx, tk.ID, r); err != nil {
		t.Fatalf("FinishTask: %v", err)
	}
	got, err = s.Task(ctx, "", tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Renditions, want) {
		t.Errorf("finished renditions:\n got %+v\nwant %+v", got.Renditions, want)
	}
	for i, rd := range tk.Renditions {
		v, err := s.Video(ctx, rd.RenderKey)
		if err != nil || v.BlobKey != r.Renditions[i].VideoKey || v.Start != r.Renditions[i].Start || v.Size != r.Renditions[i].VideoSize || !v.ExpiresAt.Equal(r.ExpiresAt) {
			t.Errorf("the video of rendition %d: %+v (%v), want %s, %d bytes", rd.Index, v, err, r.Renditions[i].VideoKey, r.Renditions[i].VideoSize)
		}
	}
	// The purge finds every video of the kit once its links expired.
	expired, err := s.ExpiredVideos(ctx, now.Add(2*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, v := range expired {
		keys[v.BlobKey] = true
	}
	for _, v := range r.Renditions {
		if !keys[v.VideoKey] {
			t.Errorf("ExpiredVideos misses rendition %d's %s", v.Index, v.VideoKey)
		}
	}
	if n, err := s.CountPending(ctx, k.ID); err != nil || n != 1 {
		t.Errorf("CountPending after the kit finished = %d, %v; want 1", n, err)
	}
	// Lists read the task without its renditions' rows.
	list, err := s.ListTasks(ctx, k.ID, store.TaskQuery{})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListTasks: %d tasks, %v", len(list), err)
	}
}
