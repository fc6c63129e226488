package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// testListTasks: a key sees its own tasks newest first (ties broken by id),
// with the track title, filtered by status and paged by cursor without
// repeats or gaps.
func testListTasks(t *testing.T, s store.Store, _ Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	if err := s.CreateTrack(ctx, &mvgen.Track{KeyID: a.ID, MusicTaskID: "m1", ID: "a1", Title: "Canción «uno»",
		AudioKey: "audio/a1", CreatedAt: now}); err != nil {
		t.Fatalf("CreateTrack: %v", err)
	}
	// Created 0, 1, 2, 2, 3 minutes after now; ids fix the order of the tie.
	offsets := []int{0, 1, 2, 2, 3}
	var all []*mvgen.Task
	for i, min := range offsets {
		tk := newTask(a)
		tk.ID = string(rune('a'+i)) + mvgen.NewID()[:8]
		tk.CreatedAt = now.Add(time.Duration(min) * time.Minute)
		if _, err := s.CreateTask(ctx, tk); err != nil {
			t.Fatalf("CreateTask: %v", err)
		}
		all = append(all, tk)
	}
	other := newTask(b)
	other.CreatedAt = now.Add(time.Hour)
	if _, err := s.CreateTask(ctx, other); err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if _, err := s.FinishTask(ctx, all[1].ID, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: 500,
		ErrorMessage: "boom", CompletedAt: now.Add(time.Hour)}); err != nil {
		t.Fatalf("FinishTask: %v", err)
	}
	// Newest first: e (3 min), d and c (2 min, d > c), b, a.
	want := []string{all[4].ID, all[3].ID, all[2].ID, all[1].ID, all[0].ID}

	ids := func(list []*store.ListedTask) []string {
		var out []string
		for _, l := range list {
			out = append(out, l.ID)
		}
		return out
	}
	list, err := s.ListTasks(ctx, a.ID, store.TaskQuery{})
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	if got := ids(list); !slices.Equal(got, want) {
		t.Errorf("ListTasks = %v, want %v", got, want)
	}
	if len(list) > 0 && (list[0].Title != "Canción «uno»" || list[0].KeyID != a.ID || !list[0].CreatedAt.Equal(all[4].CreatedAt)) {
		t.Errorf("first listed = title %q key %s created %v, want title %q key %s created %v",
			list[0].Title, list[0].KeyID, list[0].CreatedAt, "Canción «uno»", a.ID, all[4].CreatedAt)
	}

	tests := []struct {
		name  string
		q     store.TaskQuery
		want  []string
		keyID string
	}{
		{"failed only", store.TaskQuery{Status: mvgen.StatusRenderFailed}, []string{all[1].ID}, a.ID},
		{"pending only", store.TaskQuery{Status: mvgen.StatusPending}, []string{all[4].ID, all[3].ID, all[2].ID, all[0].ID}, a.ID},
		{"no such status", store.TaskQuery{Status: mvgen.StatusSuccess}, nil, a.ID},
		{"after the tie's first", store.TaskQuery{After: store.Cursor(all[3]), Limit: 2}, []string{all[2].ID, all[1].ID}, a.ID},
		{"after the last", store.TaskQuery{After: store.Cursor(all[0])}, nil, a.ID},
		{"another key", store.TaskQuery{}, []string{other.ID}, b.ID},
		{"unknown key", store.TaskQuery{}, nil, "nobody"},
		{"created after 1 min", store.TaskQuery{CreatedAfter: now.Add(time.Minute)}, []string{all[4].ID, all[3].ID, all[2].ID}, a.ID},
		{"created before 2 min", store.TaskQuery{CreatedBefore: now.Add(2 * time.Minute)}, []string{all[1].ID, all[0].ID}, a.ID},
		{"created in (0, 3) min", store.TaskQuery{CreatedAfter: now, CreatedBefore: now.Add(3 * time.Minute)},
			[]string{all[3].ID, all[2].ID, all[1].ID}, a.ID},
		{"created window and status", store.TaskQuery{Status: mvgen.StatusPending, CreatedAfter: now,
			CreatedBefore: now.Add(3 * time.Minute)}, []string{all[3].ID, all[2].ID}, a.ID},
	}
	for _, tt := range tests {
		list, err := s.ListTasks(ctx, tt.keyID, tt.q)
		if err != nil {
			t.Fatalf("%s: ListTasks: %v", tt.name, err)
		}
		if got := ids(list); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}

	// Paging two at a time visits every task once, in order.
	var paged []string
	q := store.TaskQuery{Limit: 2}
	for range 10 {
		page, err := s.ListTasks(ctx, a.ID, q)
		if err != nil {
			t.Fatalf("ListTasks page: %v", err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, ids(page)...)
		q.After = store.Cursor(page[len(page)-1].Task)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged two at a time: got %v, want %v", paged, want)
	}
}
