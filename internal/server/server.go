// Package server wires mvgen together: the store, the job queue with its
// render, callback and purge workers, the blob store, link signing and the
// HTTP API. cmd/mvgen reads flags into a Config; tests start the same Server
// on 127.0.0.1:0 in a temporary directory.
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

	"github.com/riverqueue/river"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/blob/s3"
	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/render"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/postgres"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/task"
	"github.com/mvgen/mvgen/internal/worker"
)

// RenderVersion changes whenever the renderer's output changes, so identical
// requests do not share files across renderer versions.
const RenderVersion = "1"

// Server is a running mvgen service.
type Server struct {
	cfg       Config
	store     store.Store
	api       *api.Handler
	http      *http.Server
	listener  net.Listener
	lock      *os.File
	url       string
	node      string // this process's River client id
	callbacks *delivery.Worker
}

// Open prepares the service: it takes the data directory's lock, opens and
// migrates the database, requeues work a dead process left running, and
// binds the listener. Run starts serving.
func Open(ctx context.Context, cfg Config) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	if !cfg.postgres() {
		// The embedded database is this process's alone.
		if s.lock, err = lockDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	s.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w (is another mvgen running? choose another with --addr)", cfg.Addr, err)
	}
	s.url = cfg.PublicURL
	if s.url == "" {
		s.url = "http://" + s.listener.Addr().String()
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// Renders work next to the files so the finished video is renamed, not
	// copied, into place; leftovers of a killed process are removed here.
	tempDir := filepath.Join(cfg.DataDir, "tmp")
	if err := os.RemoveAll(tempDir); err != nil {
		return nil, fmt.Errorf("cleaning %s: %w", tempDir, err)
	}
	if err := os.MkdirAll(tempDir, 0o700); err != nil {
		return nil, err
	}
	guard := &netguard.Guard{Allow: cfg.CallbackAllowNets}
	s.node = nodeID()
	workers := river.NewWorkers()
	riverCfg := s.riverConfig(workers)
	if s.store, err = OpenStore(ctx, cfg, riverCfg); err != nil {
		return nil, err
	}
	linkKey := cfg.LinkKey
	if linkKey == nil {
		// Kept in the database, so every node sharing it signs alike.
		if linkKey, err = s.store.Secret(ctx, "link-key", link.NewKey); err != nil {
			return nil, err
		}
	}
	links := &link.Signer{Key: linkKey, BaseURL: s.url}
	s.callbacks = &delivery.Worker{Store: s.store, Client: guard.Client(cfg.CallbackTimeout),
		Links: links, Schedule: cfg.CallbackSchedule, ReceiverTimeout: cfg.CallbackTimeout,
		PerDestination: cfg.CallbackPerDestination, Logger: cfg.Logger}
	river.AddWorker(workers, s.callbacks)
	river.AddWorker(workers, &worker.Render{
		Store: s.store, Blobs: blobs,
		Renderer: &render.Renderer{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe,
			MaxDuration: cfg.MaxAudioDuration, MaxBytes: cfg.MaxSourceBytes, TempDir: tempDir, Logger: cfg.Logger},
		Fetch:          guard.Client(5 * time.Minute),
		MaxSourceBytes: cfg.MaxSourceBytes,
		TempDir:        tempDir,
		JobTimeout:     cfg.RenderTimeout,
		LinkValidity:   cfg.LinkValidity,
		Callbacks:      s.callbacks,
		Logger:         cfg.Logger,
	})
	river.AddWorker(workers, &worker.Rescue{Store: s.store, Logger: cfg.Logger})
	river.AddWorker(workers, &worker.Purge{Store: s.store, Blobs: blobs,
		Retention: cfg.Retention, LinkValidity: cfg.LinkValidity, Logger: cfg.Logger})

	if !cfg.APIOnly {
		if n, err := s.store.Queue().RequeueRunning(ctx); err != nil {
			return nil, err
		} else if n > 0 {
			cfg.Logger.Info("requeued work interrupted by the last shutdown", "jobs", n)
		}
	}
	s.api = (&api.Handler{Store: s.store, Blobs: blobs, Links: links, Guard: guard, Logger: cfg.Logger,
		MaxUploadBytes: cfg.MaxSourceBytes, EpochTimes: cfg.EpochTimes, RenderVersion: RenderVersion}).Routes()
	s.http = &http.Server{
		Handler:           s.api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	return s, nil
}

// URL is the base URL the service is reachable at.
func (s *Server) URL() string { return s.url }

// Store is the service's store (for commands and tests).
func (s *Server) Store() store.Store { return s.store }

// Run serves until ctx is done, then shuts down gracefully: new tasks are
// refused with 455, running renders get ShutdownGrace to finish and are
// otherwise interrupted and left queued, so they complete after a restart.
func (s *Server) Run(ctx context.Context) error {
	if err := s.store.Queue().Heartbeat(ctx, s.node, time.Now()); err != nil {
		return fmt.Errorf("recording heartbeat: %w", err)
	}
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	beatDone := make(chan struct{})
	go func() { defer close(beatDone); worker.Heartbeat(beatCtx, s.store, s.node, s.cfg.Logger) }()
	defer func() { stopBeat(); <-beatDone }()
	if !s.cfg.APIOnly {
		if err := s.store.Queue().Start(ctx); err != nil {
			return fmt.Errorf("starting workers: %w", err)
		}
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.listener) }()
	s.cfg.Logger.Info("mvgen serving", "url", s.url, "data", s.cfg.DataDir)

	select {
	case err := <-serveErr:
		if !s.cfg.APIOnly {
			s.stopQueue()
		}
		s.callbacks.Close()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down: finishing running renders", "grace", s.cfg.ShutdownGrace)
	s.api.Drain()
	if !s.cfg.APIOnly {
		s.stopQueue()
	}
	s.callbacks.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		s.http.Close()
	}
	s.cfg.Logger.Info("mvgen stopped")
	return nil
}

// stopQueue lets running jobs finish within the grace period, then cancels
// them; cancelled renders snooze and stay queued.
func (s *Server) stopQueue() {
	graceCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	if err := s.store.Queue().Stop(graceCtx); err != nil {
		s.cfg.Logger.Warn("grace period over; interrupting running renders (they stay queued)")
		cancelCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.store.Queue().StopAndCancel(cancelCtx); err != nil {
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
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// OpenStore opens the configured database. riverCfg nil gives an
// insert-only queue, for commands that only write (keys).
func OpenStore(ctx context.Context, cfg Config, riverCfg *river.Config) (store.Store, error) {
	cfg = cfg.withDefaults()
	if cfg.postgres() {
		return postgres.Open(ctx, cfg.DB, riverCfg)
	}
	path := strings.TrimPrefix(cfg.DB, "sqlite:")
	if path == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
		path = filepath.Join(cfg.DataDir, "mvgen.db")
	}
	return sqlite.Open(ctx, path, riverCfg)
}

func (s *Server) riverConfig(workers *river.Workers) *river.Config {
	cfg := s.cfg
	return &river.Config{
		ID:      s.node,
		Logger:  slog.New(quieter{cfg.Logger.Handler(), slog.LevelWarn}),
		Workers: workers,
		Queues: map[string]river.QueueConfig{
			jobs.QueueRender:   {MaxWorkers: cfg.RenderWorkers, FetchPollInterval: 200 * time.Millisecond},
			jobs.QueueCallback: {MaxWorkers: 50, FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond},
			jobs.QueueMaintain: {MaxWorkers: 2},
		},
		// River's defaults (1 minute, rescue after 1 hour) are for short jobs:
		// a render may run RenderTimeout, and is only rescued after that.
		JobTimeout:           cfg.RenderTimeout,
		RescueStuckJobsAfter: cfg.RenderTimeout + 5*time.Minute,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.PurgeInterval),
				func() (river.JobArgs, *river.InsertOpts) { return jobs.PurgeArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(worker.HeartbeatInterval*2),
				func() (river.JobArgs, *river.InsertOpts) { return jobs.RescueArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
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

// nodeID names this process in the job queue: host, pid and a random part.
func nodeID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), task.NewID()[:8])
}

// DataDir is the service's data directory.
func (s *Server) DataDir() string { return s.cfg.DataDir }
