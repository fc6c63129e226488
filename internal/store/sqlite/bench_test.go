package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// BenchmarkCreateTask: one accepted task (row + render job, one durable
// commit) at a time, the write behind every generate request.
func BenchmarkCreateTask(b *testing.B) {
	ctx := context.Background()
	db, _ := open(b, filepath.Join(b.TempDir(), "db"))
	defer db.Close()
	k := &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}
	if err := db.CreateKey(ctx, k); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		t := &mvgen.Task{ID: mvgen.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
			RenderKey: "r", WebhookID: "w", CreatedAt: time.Now()}
		if _, err := db.CreateTask(ctx, t); err != nil {
			b.Fatal(err)
		}
	}
}
