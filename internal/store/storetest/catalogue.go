package storetest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// testListTracks: a key sees its own tracks newest first (ties broken by
// music task id, then audio id), paged by cursor without repeats or gaps.
func testListTracks(t *testing.T, s store.Store, _ Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	add := func(k *mvgen.Key, music, id string, minute int) string {
		t.Helper()
		if err := s.CreateTrack(ctx, &mvgen.Track{KeyID: k.ID, MusicTaskID: music, ID: id, Title: "«" + id + "»",
			AudioKey: "sources/" + id + "/audio", CreatedAt: now.Add(time.Duration(minute) * time.Minute)}); err != nil {
			t.Fatalf("CreateTrack: %v", err)
		}
		return music + "/" + id
	}
	// Two tracks of one music task share its creation time.
	m0 := add(a, "m0", "x", 0)
	m1a := add(a, "m1", "a", 1)
	m1b := add(a, "m1", "b", 1)
	m2 := add(a, "m2", "y", 2)
	add(b, "m9", "z", 5)
	want := []string{m2, m1b, m1a, m0}

	ids := func(list []*mvgen.Track) []string {
		var out []string
		for _, tr := range list {
			out = append(out, tr.MusicTaskID+"/"+tr.ID)
		}
		return out
	}
	list, err := s.ListTracks(ctx, a.ID, store.TrackQuery{})
	if err != nil {
		t.Fatalf("ListTracks: %v", err)
	}
	if got := ids(list); !slices.Equal(got, want) {
		t.Fatalf("ListTracks = %v, want %v", got, want)
	}
	if tr := list[0]; tr.Title != "«y»" || tr.AudioKey != "sources/y/audio" || !tr.CreatedAt.Equal(now.Add(2*time.Minute)) {
		t.Errorf("first track = %+v, want title «y», its audio key and created 2 min after now", tr)
	}

	var paged []string
	q := store.TrackQuery{Limit: 1}
	for range 10 {
		page, err := s.ListTracks(ctx, a.ID, q)
		if err != nil {
			t.Fatalf("ListTracks page: %v", err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 1 {
			t.Fatalf("page of limit 1 has %d tracks", len(page))
		}
		paged = append(paged, ids(page)...)
		q.After = store.TrackPosition(page[len(page)-1])
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged one at a time: got %v, want %v", paged, want)
	}
	if list, err := s.ListTracks(ctx, "nobody", store.TrackQuery{}); err != nil || len(list) != 0 {
		t.Errorf("unknown key: got %v, %v; want nothing", ids(list), err)
	}
}

// testDeleteTrack: a track is removed and returned once; a pending task
// keeps it; another key's is not found.
func testDeleteTrack(t *testing.T, s store.Store, _ Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	if err := s.CreateTrack(ctx, &mvgen.Track{KeyID: a.ID, MusicTaskID: "m1", ID: "a1", AudioKey: "sources/a1/audio",
		CoverKey: "sources/a1/cover", CreatedAt: now}); err != nil {
		t.Fatalf("CreateTrack: %v", err)
	}
	pending := newTask(a) // needs m1/a1
	if _, err := s.CreateTask(ctx, pending); err != nil {
		t.Fatalf("CreateTask: %v", err)
	}

	if _, err := s.DeleteTrack(ctx, b.ID, "m1", "a1"); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("another key's track: got %v, want ErrNotFound", err)
	}
	var inUse *store.TrackInUseError
	if _, err := s.DeleteTrack(ctx, a.ID, "m1", "a1"); !errors.As(err, &inUse) || inUse.TaskID != pending.ID {
		t.Fatalf("track of a pending task: got %v, want TrackInUseError naming %s", err, pending.ID)
	}
	if _, err := s.Track(ctx, a.ID, "m1", "a1"); err != nil {
		t.Fatalf("after the refusal: Track = %v, want the track still there", err)
	}

	if _, err := s.FinishTask(ctx, pending.ID, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: 500,
		ErrorMessage: "boom", CompletedAt: now}); err != nil {
		t.Fatalf("FinishTask: %v", err)
	}
	tr, err := s.DeleteTrack(ctx, a.ID, "m1", "a1")
	if err != nil {
		t.Fatalf("DeleteTrack after the task ended: %v", err)
	}
	if tr.AudioKey != "sources/a1/audio" || tr.CoverKey != "sources/a1/cover" {
		t.Errorf("deleted track keys = %q, %q; want its audio and cover keys", tr.AudioKey, tr.CoverKey)
	}
	if _, err := s.Track(ctx, a.ID, "m1", "a1"); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("after DeleteTrack: Track = %v, want ErrNotFound", err)
	}
	if _, err := s.DeleteTrack(ctx, a.ID, "m1", "a1"); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("second DeleteTrack: got %v, want ErrNotFound", err)
	}
	if got, err := s.Task(ctx, a.ID, pending.ID); err != nil || got.Status != mvgen.StatusRenderFailed {
		t.Errorf("the ended task after its track's removal: %v, %v; want it kept, GENERATE_MP4_FAILED", got, err)
	}
}

// testTaskCounts: every task counts for its key, whatever its status.
func testTaskCounts(t *testing.T, s store.Store, _ Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	newKey(t, s, "carol")
	for _, k := range []*mvgen.Key{a, a, a, b} {
		if _, err := s.CreateTask(ctx, newTask(k)); err != nil {
			t.Fatalf("CreateTask: %v", err)
		}
	}
	done := newTask(b)
	if _, err := s.CreateTask(ctx, done); err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if _, err := s.FinishTask(ctx, done.ID, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: 500,
		ErrorMessage: "boom", CompletedAt: now}); err != nil {
		t.Fatalf("FinishTask: %v", err)
	}
	got, err := s.TaskCounts(ctx)
	if err != nil {
		t.Fatalf("TaskCounts: %v", err)
	}
	if want := map[string]int{a.ID: 3, b.ID: 2}; !maps.Equal(got, want) {
		t.Errorf("TaskCounts = %v, want %v", got, want)
	}
}
