// Package server wires mvgen together: the data directory, the store and its
// job queue, the blob store, link signing, the render, callback and purge
// workers, and the HTTP API. cmd/mvgen reads flags into a Config; tests
// start the same Server on 127.0.0.1:0 in a temporary directory.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/blob/s3"
	"github.com/mvgen/mvgen/internal/dashboard"
	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/render"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
	"github.com/mvgen/mvgen/internal/upstream"
	"github.com/mvgen/mvgen/internal/worker"
)

// Server is a running mvgen service.
type Server struct {
	cfg       Config
	lock      *os.File
	listener  net.Listener
	url       string
	store     store.Store
	queue     jobQueue
	callbacks *delivery.Worker
	api       *api.Handler
	http      *http.Server
	ops       // metrics and readiness (ops.go)
}

// jobQueue is what the server does with internal/queue's Queue, whatever
// the database's transaction type.
type jobQueue interface {
	Handle(w queue.Workers)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	RequeueRunning(ctx context.Context) (int, error)
	RetryNow(ctx context.Context, id int64) error
	CancelWork(ctx context.Context, taskID string) (int, error)
	Counts(ctx context.Context) (map[string]map[string]int, error)
}

// Open prepares the service: it takes the data directory, binds the
// listener, checks the renderer's tools, opens and migrates the database
// and its queue, requeues work a dead process left running and wires the
// workers and the API. Run starts serving.
func Open(ctx context.Context, cfg Config) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Logger = slog.New(logctx.NewHandler(cfg.Logger.Handler())) // request= and task= from contexts
	s := &Server{cfg: cfg, ops: newOps()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	tempDir, err := s.takeDataDir()
	if err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	if err := s.listenMetrics(); err != nil {
		return nil, err
	}
	renderer := &render.Renderer{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe, MaxDuration: cfg.MaxAudioDuration,
		MaxBytes: cfg.MaxSourceBytes, TempDir: tempDir, Logger: cfg.Logger}
	if !cfg.APIOnly {
		if err := renderer.Validate(); err != nil {
			return nil, fmt.Errorf("this node renders videos but %w; install ffmpeg (make deps does) or run this node with --api-only", err)
		}
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if s.store, s.queue, err = openStorage(ctx, cfg, s.metrics); err != nil {
		return nil, err
	}
	links, err := s.links(ctx)
	if err != nil {
		return nil, err
	}
	s.wire(blobs, renderer, links, tempDir)
	if !cfg.APIOnly {
		if n, err := s.queue.RequeueRunning(ctx); err != nil {
			return nil, fmt.Errorf("requeueing interrupted work: %w", err)
		} else if n > 0 {
			cfg.Logger.Info("requeued work interrupted by the last shutdown", "jobs", n)
		}
	}
	return s, nil
}

// takeDataDir creates the data directory, locks it when the embedded
// database lives there, and empties the render scratch directory (a killed
// process leaves renders behind), returning that directory.
func (s *Server) takeDataDir() (string, error) {
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("creating data directory: %w", err)
	}
	if !s.cfg.postgres() {
		// The embedded database is this process's alone.
		lock, err := lockDir(s.cfg.DataDir)
		if err != nil {
			return "", err
		}
		s.lock = lock
	}
	// Renders work next to the files so the finished video is renamed, not
	// copied, into place.
	tempDir := filepath.Join(s.cfg.DataDir, "tmp")
	if err := os.RemoveAll(tempDir); err != nil {
		return "", fmt.Errorf("cleaning %s: %w", tempDir, err)
	}
	if err := os.MkdirAll(tempDir, 0o700); err != nil {
		return "", err
	}
	return tempDir, nil
}

func (s *Server) listen() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another mvgen running? choose another with --addr)", s.cfg.Addr, err)
	}
	conns := &limit.Conns{Listener: l, Max: max(0, s.cfg.MaxConns), PerAddr: max(0, s.cfg.MaxConnsPerAddr)}
	if s.metrics != nil {
		conns.OnRefused = func() { s.metrics.RateLimited("connections") }
	}
	s.listener = conns
	s.url = s.cfg.PublicURL
	if s.url == "" {
		s.url = "http://" + l.Addr().String()
	}
	return nil
}

// links returns the signer of video links; its key is kept in the database,
// so every node sharing it signs alike.
func (s *Server) links(ctx context.Context) (*link.Signer, error) {
	key := s.cfg.LinkKey
	if key == nil {
		var err error
		if key, err = s.store.Secret(ctx, "link-key", link.NewKey); err != nil {
			return nil, fmt.Errorf("loading the link key: %w", err)
		}
	}
	return &link.Signer{Key: key, BaseURL: s.url}, nil
}

// wire builds the workers, registers them with the queue and builds the API.
func (s *Server) wire(blobs blob.Store, renderer *render.Renderer, links *link.Signer, tempDir string) {
	cfg := s.cfg
	guard := &netguard.Guard{Allow: cfg.CallbackAllowNets}
	s.callbacks = &delivery.Worker{Store: s.store, Queue: s.queue, Client: s.withTransport(s.metrics.Callbacks, guard.Client(cfg.CallbackTimeout)),
		Links: links, Schedule: cfg.CallbackSchedule, ReceiverTimeout: cfg.CallbackTimeout,
		PerDestination: cfg.CallbackPerDestination, Logger: cfg.Logger, Observer: s.metrics}
	sources := &netguard.Guard{Allow: cfg.SourceAllowNets} // not CallbackAllowNets: see docs/DECISIONS.md
	s.callbacks.MaxRedeliveries = cfg.MaxRedeliveries
	fetches := &worker.Fetch{Store: s.store, Blobs: blobs, Client: s.withTransport(s.metrics.Fetch, sources.Client(0)),
		MaxSourceBytes: cfg.MaxSourceBytes, TempDir: tempDir, Deadline: cfg.FetchDeadline,
		MinRate: cfg.FetchMinRate, Window: cfg.FetchRateWindow, Finisher: s.callbacks, Logger: cfg.Logger}
	renders := &worker.Render{Store: s.store, Blobs: blobs, Renderer: renderer, TempDir: tempDir,
		LinkValidity: cfg.LinkValidity, Finisher: s.callbacks, Logger: cfg.Logger, Observer: s.metrics}
	purge := &worker.Purge{Store: s.store, Blobs: blobs, Retention: cfg.Retention,
		LinkValidity: cfg.LinkValidity, SourceRetention: max(0, cfg.SourceRetention), Logger: cfg.Logger}
	s.api = &api.Handler{Store: s.store, Blobs: blobs, Links: links, Callbacks: s.callbacks, Canceller: s.callbacks, Guard: guard,
		SourceGuard: sources, Limits: cfg.apiLimits(s.metrics),
		Sources: renderer, TempDir: tempDir, // uploads are probed as the render would
		Logger: cfg.Logger, MaxUploadBytes: cfg.MaxSourceBytes, EpochTimes: cfg.EpochTimes, Observer: s.metrics}
	s.wireOps(blobs, renderer)
	if cfg.UpstreamURL != "" {
		// Upstream track lookup (contract §6.1): the operator's URL is
		// trusted; the URLs it answers are checked and fetched by the guard.
		lookup := &upstream.Lookup{Client: &upstream.Client{BaseURL: cfg.UpstreamURL}, Store: s.store,
			CheckURL: sources.CheckURL, Logger: cfg.Logger}
		if s.metrics != nil {
			lookup.Observer = s.metrics
		}
		s.api.Upstream, fetches.Upstream = lookup, lookup
	}
	if !cfg.APIOnly {
		s.queue.Handle(queue.Workers{Fetch: fetches.Work, Render: renders.Work, Callback: s.callbacks.Work, Purge: purge.Work})
	}
	// The dashboard at / (its assets under /ui/); everything else is the API.
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", dashboard.Handler())
	mux.Handle("GET /ui/", dashboard.Handler())
	mux.Handle("/", s.api)
	s.http = &http.Server{
		Handler:           s.instrument(mux),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// URL is the base URL the service is reachable at.
func (s *Server) URL() string { return s.url }

// Store is the service's store (for commands and tests).
func (s *Server) Store() store.Store { return s.store }

// DataDir is the service's data directory.
func (s *Server) DataDir() string { return s.cfg.DataDir }

// Run serves until ctx is done, then shuts down gracefully: new tasks are
// refused with 455, running renders get ShutdownGrace to finish and are
// otherwise interrupted and left queued, so they complete after a restart.
func (s *Server) Run(ctx context.Context) error {
	if !s.cfg.APIOnly {
		// Not ctx itself: River takes the end of Start's context as a hard
		// stop that cancels running jobs at once, and ShutdownGrace would
		// never apply. stopWork stops the queue when ctx ends.
		if err := s.queue.Start(context.WithoutCancel(ctx)); err != nil {
			return err
		}
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.listener) }()
	s.serveMetrics()
	s.cfg.Logger.Info("mvgen serving", "url", s.url, "data", s.cfg.DataDir)

	select {
	case err := <-serveErr:
		s.stopWork()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down: finishing running renders", "grace", s.cfg.ShutdownGrace)
	s.api.Drain()
	s.stopWork()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		s.http.Close()
	}
	s.stopMetrics(shutdownCtx)
	s.cfg.Logger.Info("mvgen stopped")
	return nil
}

// stopWork lets running jobs (renders, fetches, queued callback attempts)
// and the callbacks' fast-path attempts finish within the grace period,
// then cancels what is left: cancelled jobs snooze and stay queued, and a
// cancelled fast-path attempt leaves its delivery to its queued job.
func (s *Server) stopWork() {
	graceCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	// Deferred, so it runs after the queue has stopped: a render finishing
	// within the grace starts its callback's first attempt on the fast path.
	defer s.callbacks.Shutdown(graceCtx)
	if s.cfg.APIOnly {
		return
	}
	if err := s.queue.Stop(graceCtx); err != nil {
		s.cfg.Logger.Warn("grace period over; interrupting running renders (they stay queued)")
		cancelCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.queue.StopAndCancel(cancelCtx); err != nil {
			s.cfg.Logger.Error("stopping workers", "err", err)
		}
	}
}

// Close releases the database and the data directory's lock.
func (s *Server) Close() error {
	var errs []error
	if s.listener != nil {
		s.listener.Close()
	}
	if s.metricsListener != nil {
		s.metricsListener.Close()
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// OpenStore opens and migrates the configured database without a job queue,
// for commands that manage keys or only migrate. It seals the stored
// secrets with cfg.SecretKey as Open does (secrets.go).
func OpenStore(ctx context.Context, cfg Config) (store.Store, error) {
	cfg = cfg.withDefaults()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := sealSecrets(ctx, st, cfg); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openStore opens and migrates the configured database without a job
// queue, and does nothing to its secrets.
func openStore(ctx context.Context, cfg Config) (sealingStore, error) {
	if cfg.postgres() {
		db, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		return postgres.NewStore(db, nil, sqlstore.SealWith(cfg.SecretKey)), nil
	}
	path, err := sqlitePath(cfg)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return sqlite.NewStore(db, nil, sqlstore.SealWith(cfg.SecretKey)), nil
}

// openStorage opens the configured database, then the job queue on it, then
// the store on both, whose transactions insert jobs through the queue, and
// seals the stored secrets with cfg.SecretKey (secrets.go).
func openStorage(ctx context.Context, cfg Config, obs queue.Observer) (store.Store, jobQueue, error) {
	qcfg := queue.Config{RenderWorkers: cfg.RenderWorkers, RenderTimeout: cfg.RenderTimeout,
		FetchWorkers: cfg.FetchWorkers, FetchTimeout: cfg.FetchDeadline + time.Minute,
		CallbackTimeout: delivery.JobTimeout(cfg.CallbackTimeout), PurgeInterval: cfg.PurgeInterval, Logger: cfg.Logger,
		Observer: obs}
	if cfg.postgres() {
		db, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			return nil, nil, err
		}
		q, err := queue.New(db.QueueDriver(), qcfg)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return withSealedSecrets(ctx, cfg, postgres.NewStore(db, q, sqlstore.SealWith(cfg.SecretKey)), q)
	}
	path, err := sqlitePath(cfg)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	q, err := queue.New(db.QueueDriver(), qcfg)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return withSealedSecrets(ctx, cfg, sqlite.NewStore(db, q, sqlstore.SealWith(cfg.SecretKey)), q)
}

func sqlitePath(cfg Config) (string, error) {
	if path := strings.TrimPrefix(cfg.DB, "sqlite:"); path != "" {
		return path, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("creating data directory: %w", err)
	}
	return filepath.Join(cfg.DataDir, "mvgen.db"), nil
}

// openBlobs opens the configured file storage: S3-compatible object
// storage for s3:// URLs, else a local directory.
func openBlobs(ctx context.Context, cfg Config) (blob.Store, error) {
	if strings.HasPrefix(cfg.Blob, "s3://") {
		return s3.Open(ctx, cfg.Blob)
	}
	root := filepath.Join(cfg.DataDir, "files")
	if cfg.Blob != "" {
		root = strings.TrimPrefix(cfg.Blob, "file:")
	}
	d, n, err := blob.OpenDir(root)
	if n > 0 {
		cfg.Logger.Info("removed files an interrupted upload left", "dir", root, "removed", n)
	}
	return d, err
}

// lockDir takes an exclusive lock on the data directory, so two processes
// never work one embedded database (which would make RequeueRunning unsafe).
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "mvgen.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory %s is in use by another mvgen serve; stop it or choose another --data", dir)
	}
	return f, nil
}
