package postgres_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
	"github.com/mvgen/mvgen/internal/store/storetest"
	"github.com/mvgen/mvgen/internal/task"
)

// open opens a store on dsn and closes it when the test ends.
func open(tb testing.TB, dsn string, cfg *river.Config) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn, cfg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
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
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := postgres.Open(context.Background(), pgtest.DSN(t), nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return db
	})
}

func newKey(t *testing.T, s store.Store) *task.Key {
	t.Helper()
	k := &task.Key{ID: task.NewID(), Name: "k", TokenHash: []byte(task.NewID()), WebhookSecret: "s",
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
	db := open(t, dsn, nil)
	ctx := context.Background()
	k := newKey(t, db)

	const n = 20
	ids := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tk := &task.Task{ID: task.NewID(), KeyID: k.ID, MusicTaskID: "m", AudioID: "a",
				Status: task.StatusPending, RenderKey: "r", WebhookID: "w", CreatedAt: time.Now(),
				IdempotencyKey: "same", RequestHash: "hash"}
			<-start
			got, err := db.CreateTask(ctx, tk, jobs.RenderArgs{TaskID: tk.ID})
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
	db := open(t, dsn, nil)
	k := newKey(t, db)
	db.Close()
	if err := postgres.Migrate(ctx, dsn); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db = open(t, dsn, nil)
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
			db, err := postgres.Open(ctx, dsn, nil)
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

func TestOpenSchemaMismatch(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), pgtest.DSN(t), &river.Config{Schema: "elsewhere"})
	if err == nil {
		t.Fatal("Open with a river Config.Schema other than the DSN's: got nil error, want one")
	}
}

func TestOpenBadDSNHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://u:s3cret@127.0.0.1:1/db?sslmode=bogus", nil)
	if err == nil {
		t.Fatal("Open with an invalid DSN: got nil error, want one")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q quotes the password", err)
	}
}

// renderWorker records the tasks whose render jobs it ran.
type renderWorker struct {
	river.WorkerDefaults[jobs.RenderArgs]
	ran chan string
}

func (w *renderWorker) Work(_ context.Context, j *river.Job[jobs.RenderArgs]) error {
	w.ran <- j.Args.TaskID
	return nil
}

// TestRescueOrphans: running jobs whose node stopped heartbeating become
// available again and another node's River client runs them; the job of a
// live node stays running.
func TestRescueOrphans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db := open(t, dsn, nil)
	conn := connect(t, dsn)
	q := db.Queue()

	now := time.Now()
	running := map[string][]string{ // task id → attempted_by of its render job
		"dead":  {"dead-node"},              // never heartbeated
		"stale": {"other", "stale-node"},    // last heartbeat an hour ago
		"live":  {"dead-node", "live-node"}, // heartbeats; the last attempt counts
		"none":  nil,                        // no attempted_by at all
	}
	for id, by := range running {
		if err := q.Insert(ctx, jobs.RenderArgs{TaskID: id}, nil); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		if _, err := conn.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(),
			attempted_by = $2 WHERE args->>'taskId' = $1`, id, by); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Heartbeat(ctx, "stale-node", now.Add(-time.Hour)); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	for _, at := range []time.Time{now.Add(-time.Minute), now} { // the second one updates
		if err := q.Heartbeat(ctx, "live-node", at); err != nil {
			t.Fatalf("Heartbeat: %v", err)
		}
	}
	if n, err := q.RequeueRunning(ctx); err != nil || n != 0 {
		t.Errorf("RequeueRunning = %d, %v; want 0, nil (a no-op on a shared database)", n, err)
	}

	n, err := q.RescueOrphans(ctx, now.Add(-30*time.Second))
	if err != nil || n != 3 {
		t.Fatalf("RescueOrphans = %d, %v; want 3", n, err)
	}
	for id, want := range map[string]string{"dead": "available", "stale": "available", "none": "available", "live": "running"} {
		var state string
		if err := conn.QueryRow(ctx, `SELECT state::text FROM river_job WHERE args->>'taskId' = $1`, id).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state != want {
			t.Errorf("job of %s: state %s, want %s", id, state, want)
		}
	}
	var nodes []string
	rows, _ := conn.Query(ctx, `SELECT id FROM mvgen_node ORDER BY id`)
	if nodes, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(nodes, []string{"live-node"}) {
		t.Errorf("nodes after rescue = %v, want [live-node] (silent ones forgotten)", nodes)
	}
	if n, err := q.RescueOrphans(ctx, now.Add(-30*time.Second)); err != nil || n != 0 {
		t.Errorf("second RescueOrphans = %d, %v; want 0", n, err)
	}

	// Another node's client picks the rescued jobs up.
	workers := river.NewWorkers()
	w := &renderWorker{ran: make(chan string, 10)}
	river.AddWorker(workers, w)
	other := open(t, dsn, &river.Config{ID: "rescuer", Workers: workers, FetchCooldown: 20 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Queues:            map[string]river.QueueConfig{jobs.QueueRender: {MaxWorkers: 4}}})
	if err := other.Queue().Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer func() {
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := other.Queue().Stop(stop); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}()
	var ran []string
	timeout := time.After(20 * time.Second)
	for len(ran) < 3 {
		select {
		case id := <-w.ran:
			ran = append(ran, id)
		case <-timeout:
			t.Fatalf("rescued jobs run: %v, want dead, none and stale", ran)
		}
	}
	slices.Sort(ran)
	if !slices.Equal(ran, []string{"dead", "none", "stale"}) {
		t.Errorf("rescued jobs run = %v, want [dead none stale]", ran)
	}
	select {
	case id := <-w.ran:
		t.Errorf("job of %s ran, though its node is alive", id)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestSecretRace: nodes starting together agree on one secret.
func TestSecretRace(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DSN(t), nil)
	const n = 10
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := db.Secret(context.Background(), "link-key", func() []byte { return []byte(task.NewID()) })
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
	db := open(t, pgtest.DSN(t), nil)
	ctx := context.Background()
	for name, err := range map[string]error{
		"RotateSecret": db.RotateSecret(ctx, "missing", "s", time.Now()),
		"Key":          second(db.Key(ctx, "missing")),
		"Track":        second(db.Track(ctx, "k", "m", "missing")),
		"Task":         second(db.Task(ctx, "", "missing")),
	} {
		if !errors.Is(err, task.ErrNotFound) {
			t.Errorf("%s(missing) = %v, want ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }
