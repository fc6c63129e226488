package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/jobs"
)

// HeartbeatInterval is how often a working node records that it is alive;
// DeadAfter is how long a silent node's running jobs wait before another
// node takes them over.
const (
	HeartbeatInterval = 5 * time.Second
	DeadAfter         = 30 * time.Second
)

// Config configures a Queue. The zero value works; each field documents its
// default.
type Config struct {
	// Node names this process in the queue (River's client id, the
	// heartbeat's node). Default: host, pid and a random part.
	Node string
	// RenderWorkers is how many renders run at once. Default 1.
	RenderWorkers int
	// FetchWorkers is how many source downloads run at once. Default 4.
	FetchWorkers int
	// FetchTimeout is the longest one fetch job may run (the worker keeps
	// its own, shorter deadline). Default 10 minutes.
	FetchTimeout time.Duration
	// RenderTimeout is the longest one render may run. Default 30 minutes.
	RenderTimeout time.Duration
	// CallbackTimeout is the longest one callback job may run. Default 30s.
	CallbackTimeout time.Duration
	// PurgeInterval is how often the purge worker runs. Default 1 hour.
	PurgeInterval time.Duration
	// Logger receives the queue's warnings; nil means discard.
	Logger *slog.Logger
	// Observer is told about every job this node's workers start; nil
	// means none (observe.go).
	Observer Observer
}

// DefaultConfig is the configuration the zero value stands for: every
// default in one place (internal/server's DefaultConfig takes its own from
// here). Node is left "": New names the node after the host, the process
// and a random part.
func DefaultConfig() Config {
	return Config{
		RenderWorkers:   1,
		FetchWorkers:    4,
		FetchTimeout:    10 * time.Minute,
		RenderTimeout:   30 * time.Minute,
		CallbackTimeout: 30 * time.Second,
		PurgeInterval:   time.Hour,
	}
}

// withDefaults returns a copy with every unset field set to its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Node == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		c.Node = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if c.RenderWorkers <= 0 {
		c.RenderWorkers = d.RenderWorkers
	}
	if c.FetchWorkers <= 0 {
		c.FetchWorkers = d.FetchWorkers
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = d.FetchTimeout
	}
	if c.RenderTimeout <= 0 {
		c.RenderTimeout = d.RenderTimeout
	}
	if c.CallbackTimeout <= 0 {
		c.CallbackTimeout = d.CallbackTimeout
	}
	if c.PurgeInterval <= 0 {
		c.PurgeInterval = d.PurgeInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Workers are the functions that do each kind of job. A function returns
// nil when the job is done, jobs.Snooze or jobs.Cancel to say so, and any
// other error to have the job retried with River's backoff.
type Workers struct {
	Fetch    func(ctx context.Context, run jobs.Run, taskID string) error
	Render   func(ctx context.Context, run jobs.Run, taskID string) error
	Callback func(ctx context.Context, run jobs.Run, taskID string, delivery int) error
	// Purge runs every Config.PurgeInterval (and at start).
	Purge func(ctx context.Context) error
}

// Queue is the job queue over one database; TTx is its driver's
// transaction type (*sql.Tx for SQLite, pgx.Tx for PostgreSQL).
type Queue[TTx any] struct {
	cfg     Config
	client  *river.Client[TTx]
	workers *river.Workers
	drv     Driver[TTx]

	mu       sync.Mutex
	stopBeat context.CancelFunc
	beatDone chan struct{}
}

// New returns the queue on the database that drv drives (a store driver's
// DB.QueueDriver), whose migrations created River's tables. Build the
// store on the same database with the queue, so that its transactions
// insert jobs through it (InsertTx).
func New[TTx any](drv Driver[TTx], cfg Config) (*Queue[TTx], error) {
	cfg = cfg.withDefaults()
	q := &Queue[TTx]{cfg: cfg, workers: river.NewWorkers(), drv: drv}
	rc := &river.Config{
		ID:         cfg.Node,
		Schema:     drv.Schema(),
		Logger:     slog.New(quieter{cfg.Logger.Handler(), slog.LevelWarn}),
		Workers:    q.workers,
		Middleware: middleware(cfg.Observer),
		Queues: map[string]river.QueueConfig{
			queueFetch:    {MaxWorkers: cfg.FetchWorkers, FetchPollInterval: 200 * time.Millisecond},
			queueRender:   {MaxWorkers: cfg.RenderWorkers, FetchPollInterval: 200 * time.Millisecond},
			queueCallback: {MaxWorkers: 50, FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond},
			queueMaintain: {MaxWorkers: 2},
		},
		// Workers are registered by Handle, and a node that only inserts
		// (API-only, a command) registers none.
		SkipUnknownJobCheck:  true,
		JobTimeout:           cfg.RenderTimeout,
		RescueStuckJobsAfter: cfg.RenderTimeout + 5*time.Minute,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.PurgeInterval),
				func() (river.JobArgs, *river.InsertOpts) { return purgeArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(HeartbeatInterval*2),
				func() (river.JobArgs, *river.InsertOpts) { return rescueArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
	client, err := river.NewClient(drv.River(), rc)
	if err != nil {
		return nil, fmt.Errorf("creating job queue: %w", err)
	}
	q.client = client
	river.AddWorker(q.workers, &worker[rescueArgs]{timeout: time.Minute, work: func(ctx context.Context, _ jobs.Run, _ rescueArgs) error {
		n, err := q.RescueOrphans(ctx, time.Now().Add(-DeadAfter))
		if n > 0 {
			q.cfg.Logger.Warn("took over work of a node that stopped", "jobs", n)
		}
		return err
	}})
	return q, nil
}

// Node is this process's name in the queue.
func (q *Queue[TTx]) Node() string { return q.cfg.Node }

// Handle registers the workers. Call it once, before Start; a queue whose
// process only inserts (an API-only node, a command) needs none.
func (q *Queue[TTx]) Handle(w Workers) {
	if w.Fetch != nil {
		river.AddWorker(q.workers, &worker[fetchArgs]{timeout: q.cfg.FetchTimeout,
			work: func(ctx context.Context, run jobs.Run, a fetchArgs) error { return w.Fetch(ctx, run, a.TaskID) }})
	}
	if w.Render != nil {
		river.AddWorker(q.workers, &worker[renderArgs]{timeout: q.cfg.RenderTimeout,
			work: func(ctx context.Context, run jobs.Run, a renderArgs) error { return w.Render(ctx, run, a.TaskID) }})
	}
	if w.Callback != nil {
		river.AddWorker(q.workers, &worker[callbackArgs]{timeout: q.cfg.CallbackTimeout,
			work: func(ctx context.Context, run jobs.Run, a callbackArgs) error {
				if run.Crashed() {
					return jobs.Cancel(fmt.Errorf("the callback job crashed its worker %d times", run.Crashes))
				}
				return w.Callback(ctx, run, a.TaskID, a.Delivery)
			}})
	}
	if w.Purge != nil {
		river.AddWorker(q.workers, &worker[purgeArgs]{timeout: q.cfg.RenderTimeout,
			work: func(ctx context.Context, _ jobs.Run, _ purgeArgs) error { return w.Purge(ctx) }})
	}
}

// InsertTx queues js inside the caller's transaction tx, so they exist if
// and only if it commits, and returns their ids.
func (q *Queue[TTx]) InsertTx(ctx context.Context, tx TTx, js ...jobs.Job) ([]int64, error) {
	if len(js) == 0 {
		return []int64{}, nil
	}
	if len(js) == 1 {
		p := params(js[0])
		res, err := q.client.InsertTx(ctx, tx, p.Args, p.InsertOpts)
		if err != nil {
			return nil, fmt.Errorf("queueing %s job: %w", js[0].Kind, err)
		}
		return []int64{res.Job.ID}, nil
	}
	ps := make([]river.InsertManyParams, len(js))
	for i, j := range js {
		ps[i] = params(j)
	}
	res, err := q.client.InsertManyTx(ctx, tx, ps)
	if err != nil {
		return nil, fmt.Errorf("queueing %s jobs: %w", js[0].Kind, err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.Job.ID
	}
	return ids, nil
}

// Enqueue queues j on its own and returns its id.
func (q *Queue[TTx]) Enqueue(ctx context.Context, j jobs.Job) (int64, error) {
	p := params(j)
	res, err := q.client.Insert(ctx, p.Args, p.InsertOpts)
	if err != nil {
		return 0, fmt.Errorf("queueing %s job: %w", j.Kind, err)
	}
	return res.Job.ID, nil
}

// RetryNow makes job id available now: a scheduled or retryable one is
// brought forward, a finished one runs again; a running job is left alone.
func (q *Queue[TTx]) RetryNow(ctx context.Context, id int64) error {
	if _, err := q.client.JobRetry(ctx, id); err != nil {
		return fmt.Errorf("retrying job %d now: %w", id, err)
	}
	return nil
}

// Start records this node's first heartbeat, keeps recording them, and
// starts working the registered jobs.
func (q *Queue[TTx]) Start(ctx context.Context) error {
	if err := q.Heartbeat(ctx, time.Now()); err != nil {
		return err
	}
	beatCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(HeartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-beatCtx.Done():
				return
			case <-t.C:
			}
			if err := q.Heartbeat(beatCtx, time.Now()); err != nil && beatCtx.Err() == nil {
				q.cfg.Logger.Warn("recording heartbeat", "err", err)
			}
		}
	}()
	q.mu.Lock()
	q.stopBeat, q.beatDone = stop, done
	q.mu.Unlock()
	if err := q.client.Start(ctx); err != nil {
		q.stopHeartbeat()
		return fmt.Errorf("starting workers: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones until ctx is done;
// then it returns ctx's error and the jobs go on running. StopAndCancel
// ends them.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if err == nil {
		q.stopHeartbeat()
	}
	return err
}

// StopAndCancel cancels the running jobs' contexts and waits for them.
func (q *Queue[TTx]) StopAndCancel(ctx context.Context) error {
	defer q.stopHeartbeat()
	return q.client.StopAndCancel(ctx)
}

func (q *Queue[TTx]) stopHeartbeat() {
	q.mu.Lock()
	stop, done := q.stopBeat, q.beatDone
	q.stopBeat, q.beatDone = nil, nil
	q.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// RequeueRunning makes jobs left "running" by a process that died available
// again, counting a crash on each (jobs.Run.Crashes), and returns how many.
// Call it only where this process alone works on the database (the
// embedded default, which holds an exclusive lock on its data directory);
// on a shared database it does nothing, since a running job may be running
// on another node (RescueOrphans is for that).
func (q *Queue[TTx]) RequeueRunning(ctx context.Context) (int, error) {
	return q.drv.RequeueRunning(ctx)
}

// Heartbeat records that this node is alive at at.
func (q *Queue[TTx]) Heartbeat(ctx context.Context, at time.Time) error {
	if err := q.drv.Heartbeat(ctx, q.cfg.Node, at); err != nil {
		return fmt.Errorf("recording heartbeat: %w", err)
	}
	return nil
}

// RescueOrphans makes "running" jobs whose worker (the last client id in the
// job's attempted_by) has not heartbeated since deadBefore available again,
// forgets nodes silent since then, and returns how many jobs it rescued.
// Each rescued job has a crash counted (jobs.Run.Crashes): a job that kills
// every node that runs it is failed by its worker instead of looping.
func (q *Queue[TTx]) RescueOrphans(ctx context.Context, deadBefore time.Time) (int, error) {
	n, err := q.drv.Rescue(ctx, deadBefore)
	if err != nil {
		return 0, fmt.Errorf("rescuing jobs of dead nodes: %w", err)
	}
	return n, nil
}

// worker adapts a jobs-speaking function to River.
type worker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	timeout time.Duration
	work    func(ctx context.Context, run jobs.Run, args A) error
}

func (w *worker[A]) Timeout(*river.Job[A]) time.Duration { return w.timeout }

func (w *worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	run := jobs.Run{ID: job.ID, Attempt: job.Attempt, MaxAttempts: job.MaxAttempts, Crashes: crashes(job.Metadata)}
	err := w.work(ctx, run, job.Args)
	var cancel *jobs.CancelError
	switch d, snooze := jobs.IsSnooze(err); {
	case snooze:
		return river.JobSnooze(d)
	case errors.As(err, &cancel):
		return river.JobCancel(cancel.Err)
	}
	return err
}

// crashes reads the crash count from a job's metadata.
func crashes(metadata []byte) int {
	var m map[string]any
	if json.Unmarshal(metadata, &m) != nil {
		return 0
	}
	n, _ := m[CrashKey].(float64)
	return int(n)
}

// quieter drops River's records below min (River logs every job at info).
type quieter struct {
	slog.Handler
	min slog.Level
}

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= q.min && q.Handler.Enabled(ctx, l)
}

func (q quieter) WithAttrs(as []slog.Attr) slog.Handler {
	return quieter{q.Handler.WithAttrs(as), q.min}
}

func (q quieter) WithGroup(name string) slog.Handler {
	return quieter{q.Handler.WithGroup(name), q.min}
}

// Jobs lists the fetch, render and callback jobs of a task, oldest first (for
// tests and diagnostics).
func (q *Queue[TTx]) Jobs(ctx context.Context, taskID string) ([]jobs.Queued, error) {
	ids, err := q.drv.JobIDs(ctx, taskID)
	if err != nil {
		return nil, fmt.Errorf("listing jobs of task %s: %w", taskID, err)
	}
	out := make([]jobs.Queued, 0, len(ids))
	for _, id := range ids {
		row, err := q.client.JobGet(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading job %d: %w", id, err)
		}
		var args callbackArgs
		if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
			return nil, fmt.Errorf("reading job %d: %w", id, err)
		}
		out = append(out, jobs.Queued{ID: row.ID,
			Job:   jobs.Job{Kind: jobs.Kind(row.Kind), TaskID: args.TaskID, Delivery: args.Delivery, RunAt: row.ScheduledAt},
			State: string(row.State), Attempt: row.Attempt, MaxAttempts: row.MaxAttempts,
			Crashes: crashes(row.Metadata)})
	}
	return out, nil
}
