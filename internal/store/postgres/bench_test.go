package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
)

// benchDB opens a store on a fresh schema with one key, "k".
func benchDB(b *testing.B) *postgres.Store {
	ctx := context.Background()
	db := open(b, pgtest.DSN(b))
	k := &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}
	if err := db.CreateKey(ctx, k); err != nil {
		b.Fatal(err)
	}
	return db
}

func createTask(db *postgres.Store) error {
	t := &mvgen.Task{ID: mvgen.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
		RenderKey: "r", WebhookID: "w", CreatedAt: time.Now()}
	_, err := db.CreateTask(context.Background(), t)
	return err
}

// BenchmarkCreateTask: one accepted task (row + render job, one durable
// commit) at a time, the write behind every generate request; comparable
// with the SQLite driver's benchmark of the same name.
func BenchmarkCreateTask(b *testing.B) {
	db := benchDB(b)
	b.ResetTimer()
	for range b.N {
		if err := createTask(db); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateTaskParallel: accepted tasks from 4×GOMAXPROCS concurrent
// requests, where PostgreSQL (unlike SQLite's one writer) overlaps commits.
func BenchmarkCreateTaskParallel(b *testing.B) {
	db := benchDB(b)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := createTask(db); err != nil {
				b.Error(err) // not Fatal: this is not the benchmark's goroutine
				return
			}
		}
	})
}
