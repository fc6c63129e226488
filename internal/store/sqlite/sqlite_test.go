package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/store/storetest"
	"github.com/mvgen/mvgen/internal/task"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mvgen.db"), nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mvgen.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGroupCommit: concurrent creations committed in shared batches each
// keep their own outcome: idempotent replays return one task, a conflicting
// body fails alone, the rest are stored.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateKey(ctx, &task.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const n = 60
	type result struct {
		id  string
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := &task.Task{ID: task.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: task.StatusPending,
				RenderKey: "r", WebhookID: "w", CreatedAt: time.Now()}
			switch i % 3 {
			case 0: // the same request retried
				tk.IdempotencyKey, tk.RequestHash = "same", "body-1"
			case 1: // plain requests
			case 2:
				tk.IdempotencyKey, tk.RequestHash = "k-"+strconv.Itoa(i), "body"
			}
			got, err := db.CreateTask(ctx, tk, jobs.RenderArgs{TaskID: tk.ID})
			if err == nil {
				results[i] = result{got.ID, nil}
			} else {
				results[i] = result{"", err}
			}
		}()
	}
	wg.Wait()
	var replayed string
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("request %d: %v", i, r.err)
		}
		if i%3 == 0 {
			if replayed == "" {
				replayed = r.id
			}
			if r.id != replayed {
				t.Errorf("request %d: idempotent replay got task %s, want %s", i, r.id, replayed)
			}
		}
	}
	conflict := &task.Task{ID: task.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: task.StatusPending,
		RenderKey: "r", WebhookID: "w", CreatedAt: time.Now(), IdempotencyKey: "same", RequestHash: "body-2"}
	if _, err := db.CreateTask(ctx, conflict); !errors.Is(err, store.ErrIdempotencyConflict) {
		t.Errorf("conflicting body: %v, want ErrIdempotencyConflict", err)
	}
	for i, r := range results {
		if _, err := db.Task(ctx, "k", r.id); err != nil {
			t.Errorf("request %d: task %s not stored: %v", i, r.id, err)
		}
	}
}
