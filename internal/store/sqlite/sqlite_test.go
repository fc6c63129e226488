package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
	"github.com/mvgen/mvgen/internal/store/storetest"
)

// open opens a store with its job queue at path.
func open(tb testing.TB, path string) (*sqlite.Store, *queue.Queue[*sql.Tx]) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	q, err := queue.New(db.QueueDriver(), queue.Config{})
	if err != nil {
		db.Close()
		tb.Fatalf("queue: %v", err)
	}
	return sqlite.NewStore(db, q), q
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Env {
		path := filepath.Join(t.TempDir(), "mvgen.db")
		db, q := open(t, path)
		return storetest.Env{Store: db, Queue: q, DB: rawDB{t, path}}
	})
}

// rawDB is the database file below a store (storetest.DB).
type rawDB struct {
	tb   testing.TB
	path string
}

func (r rawDB) conn() (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+r.path+"?_pragma=busy_timeout(10000)")
}

func (r rawDB) Exec(ctx context.Context, query string) error {
	db, err := r.conn()
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

func (r rawDB) Dump(ctx context.Context, table string) (string, error) {
	db, err := r.conn()
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v\t", cols[i], v)
		}
		b.WriteString("\n")
	}
	return b.String(), rows.Err()
}

func (r rawDB) Reopen(ctx context.Context, key *seal.Key) (storetest.Sealing, error) {
	db, err := sqlite.Open(ctx, r.path)
	if err != nil {
		return nil, err
	}
	return sqlite.NewStore(db, nil, sqlstore.SealWith(key)), nil
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mvgen.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(ctx, path)
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
	db, _ := open(t, filepath.Join(t.TempDir(), "db"))
	defer db.Close()
	if err := db.CreateKey(ctx, &mvgen.Key{ID: "k", Name: "k", TokenHash: []byte("h"), WebhookSecret: "s", CreatedAt: time.Now()}); err != nil {
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
			tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
				RenderKey: "r", WebhookID: "w", CreatedAt: time.Now()}
			switch i % 3 {
			case 0: // the same request retried
				tk.IdempotencyKey, tk.RequestHash = "same", "body-1"
			case 1: // plain requests
			case 2:
				tk.IdempotencyKey, tk.RequestHash = "k-"+strconv.Itoa(i), "body"
			}
			got, err := db.CreateTask(ctx, tk)
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
	conflict := &mvgen.Task{ID: mvgen.NewID(), KeyID: "k", MusicTaskID: "m", AudioID: "a", Status: mvgen.StatusPending,
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

// TestSealLeavesNoPlainText: once secrets stored in plain text are sealed,
// the database file itself (not only a dump) holds none of them: SQLite
// would otherwise keep a changed row's old bytes in the page's free space.
func TestSealLeavesNoPlainText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mvgen.db")
	plain, _ := open(t, path)
	var secrets []string
	for i := range 60 {
		k, _ := mvgen.NewKey("k", fmt.Sprintf("whsec_plain-in-the-file-%03d", i), time.Now())
		k.UpstreamKey = fmt.Sprintf("sk-plain-in-the-file-%03d", i)
		if err := plain.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, k.WebhookSecret, k.UpstreamKey)
	}
	plain.Close()
	key, err := seal.ParseKey(seal.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := rawDB{t, path}.Reopen(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sealed.SealSecrets(ctx); err != nil || r.Sealed != 120 {
		t.Fatalf("SealSecrets = %+v, %v; want 120 sealed", r, err)
	}
	sealed.Close() // the last connection checkpoints the WAL into the file
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, s := range secrets {
		if bytes.Contains(file, []byte(s)) {
			left++
		}
	}
	if left > 0 {
		t.Errorf("the database file still holds %d of the %d secrets in plain text", left, len(secrets))
	}
}
