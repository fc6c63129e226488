package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
	"github.com/mvgen/mvgen/internal/store/storetest"
)

// open opens a store with its job queue on dsn and closes it when the test
// ends.
func open(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	db, _ := openQueue(tb, dsn)
	tb.Cleanup(func() { db.Close() })
	return db
}

func openQueue(tb testing.TB, dsn string) (*postgres.Store, *queue.Queue[pgx.Tx]) {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	q, err := queue.New(db.QueueDriver(), queue.Config{})
	if err != nil {
		db.Close()
		tb.Fatalf("queue: %v", err)
	}
	return postgres.NewStore(db, q), q
}

// connect opens a plain connection on dsn (its schema) for checks in SQL.
func connect(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("connecting: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func count(t *testing.T, conn *pgx.Conn, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Env {
		dsn := pgtest.DSN(t)
		db, q := openQueue(t, dsn)
		return storetest.Env{Store: db, Queue: q, DB: rawDB{t, dsn}}
	})
}

// rawDB is the schema below a store (storetest.DB).
type rawDB struct {
	tb  testing.TB
	dsn string
}

func (r rawDB) Exec(ctx context.Context, query string) error {
	_, err := connect(r.tb, r.dsn).Exec(ctx, query)
	return err
}

func (r rawDB) Dump(ctx context.Context, table string) (string, error) {
	rows, err := connect(r.tb, r.dsn).Query(ctx, `SELECT * FROM `+table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", err
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v\t", rows.FieldDescriptions()[i].Name, v)
		}
		b.WriteString("\n")
	}
	return b.String(), rows.Err()
}

func (r rawDB) Reopen(ctx context.Context, key *seal.Key) (storetest.Sealing, error) {
	db, err := postgres.Open(ctx, r.dsn)
	if err != nil {
		return nil, err
	}
	return postgres.NewStore(db, nil, sqlstore.SealWith(key)), nil
}

func newKey(t *testing.T, s *postgres.Store) *mvgen.Key {
	t.Helper()
	k := &mvgen.Key{ID: mvgen.NewID(), Name: "k", TokenHash: []byte(mvgen.NewID()), WebhookSecret: "s",
		CreatedAt: time.Now()}
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return k
}

// TestCreateTaskConcurrentIdempotent: identical requests racing on several
// connections store one task and one render job, and all get its id.
func TestCreateTaskConcurrentIdempotent(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	db := open(t, dsn)
	ctx := context.Background()
	k := newKey(t, db)

	const n = 20
	ids := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: k.ID, MusicTaskID: "m", AudioID: "a",
				Status: mvgen.StatusPending, RenderKey: "r", WebhookID: "w", CreatedAt: time.Now(),
				IdempotencyKey: "same", RequestHash: "hash"}
			<-start
			got, err := db.CreateTask(ctx, tk)
			if err == nil {
				ids[i] = got.ID
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("CreateTask #%d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("CreateTask #%d = task %s, want %s (the first one's)", i, ids[i], ids[0])
		}
	}
	conn := connect(t, dsn)
	if got := count(t, conn, `SELECT count(*) FROM mvgen_task`); got != 1 {
		t.Errorf("tasks stored = %d, want 1", got)
	}
	if got := count(t, conn, `SELECT count(*) FROM river_job WHERE kind = 'render'`); got != 1 {
		t.Errorf("render jobs = %d, want 1", got)
	}
	if got := count(t, conn, `SELECT count(*) FROM river_job WHERE args->>'taskId' = $1`, ids[0]); got != 1 {
		t.Errorf("render jobs of the stored task = %d, want 1", got)
	}
}

// TestMigrateIdempotent: opening and migrating a migrated schema changes
// nothing, and nodes opening a new schema together all succeed.
func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db := open(t, dsn)
	k := newKey(t, db)
	db.Close()
	if err := postgres.Migrate(ctx, dsn); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db = open(t, dsn)
	if _, err := db.Key(ctx, k.ID); err != nil {
		t.Errorf("Key after reopening: %v", err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	conn := connect(t, dsn)
	if got := count(t, conn, `SELECT count(*) FROM mvgen_migration`); got != len(files) || got == 0 {
		t.Errorf("mvgen_migration rows = %d, want %d (one per file)", got, len(files))
	}

	dsn = pgtest.DSN(t)
	const nodes = 5
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			db, err := postgres.Open(ctx, dsn)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Errorf("Open by nodes starting together: %v", err)
		}
	}
	if got := count(t, connect(t, dsn), `SELECT count(*) FROM mvgen_migration`); got != len(files) {
		t.Errorf("mvgen_migration rows after concurrent opens = %d, want %d", got, len(files))
	}
}

func TestOpenBadDSNHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://u:s3cret@127.0.0.1:1/db?sslmode=bogus")
	if err == nil {
		t.Fatal("Open with an invalid DSN: got nil error, want one")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q quotes the password", err)
	}
}

// TestSecretRace: nodes starting together agree on one secret.
func TestSecretRace(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DSN(t))
	const n = 10
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := db.Secret(context.Background(), "link-key", func() []byte { return []byte(mvgen.NewID()) })
			if err != nil {
				t.Errorf("Secret: %v", err)
			}
			got[i] = string(v)
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Errorf("Secret #%d = %q, want %q like the first", i, got[i], got[0])
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DSN(t))
	ctx := context.Background()
	for name, err := range map[string]error{
		"RotateSecret": db.RotateSecret(ctx, "missing", "s", time.Now()),
		"Key":          second(db.Key(ctx, "missing")),
		"Track":        second(db.Track(ctx, "k", "m", "missing")),
		"Task":         second(db.Task(ctx, "", "missing")),
	} {
		if !errors.Is(err, mvgen.ErrNotFound) {
			t.Errorf("%s(missing) = %v, want ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }
