// Package api is mvgen's HTTP API (contract §1-3, §7, §9): the envelope, the
// one table that maps domain errors to its codes, authentication, the
// Suno-compatible mp4 endpoints, the track catalogue and video downloads.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mvgen/mvgen/docs"
	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/store"
)

// Defaults of Handler's limits.
const (
	DefaultMaxBodyBytes   = 64 << 10                    // JSON request bodies
	DefaultMaxUploadBytes = mvgen.DefaultMaxSourceBytes // an uploaded audio file
	DefaultMaxCoverBytes  = 20 << 20                    // an uploaded cover image
)

// Store is what the API reads and writes.
type Store interface {
	KeyByTokenHash(ctx context.Context, hash []byte) (*mvgen.Key, error)
	CreateTrack(ctx context.Context, t *mvgen.Track) error
	Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	Tracks(ctx context.Context, keyID, musicTaskID string) ([]*mvgen.Track, error)
	// CreateTask stores a task and queues its render (store.Store).
	CreateTask(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error)
	Task(ctx context.Context, keyID, id string) (*mvgen.Task, error)
	Attempts(ctx context.Context, taskID string) ([]*mvgen.Attempt, error)
	// ListTasks lists a key's tasks newest first (the dashboard's list and
	// event stream).
	ListTasks(ctx context.Context, keyID string, q store.TaskQuery) ([]*store.ListedTask, error)
	// CountPending counts a key's PENDING tasks (the cap of Limits).
	CountPending(ctx context.Context, keyID string) (int, error)
	// ListTracks and DeleteTrack list and remove the key's tracks
	// (catalogue.go).
	ListTracks(ctx context.Context, keyID string, q store.TrackQuery) ([]*mvgen.Track, error)
	DeleteTrack(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	// The key's brand and its logo (brand.go).
	SetBrand(ctx context.Context, b *mvgen.Brand) error
	Brand(ctx context.Context, keyID string) (*mvgen.Brand, error)
	DeleteBrand(ctx context.Context, keyID string) error
	Logo(ctx context.Context, hash string) (*mvgen.Logo, error)
}

// Redeliverer starts a new delivery of a finished task's callback
// (internal/delivery).
type Redeliverer interface {
	Redeliver(ctx context.Context, t *mvgen.Task) (delivery int, err error)
}

// Observer is told what the API does (internal/metrics implements it).
type Observer interface {
	TaskCreated()
}

type noObserver struct{}

func (noObserver) TaskCreated() {}

func (h *Handler) observer() Observer {
	if h.Observer == nil {
		return noObserver{}
	}
	return h.Observer
}

// Handler serves the API. Set its fields before the first request; Store,
// Blobs, Links and Callbacks are required.
type Handler struct {
	Store     Store
	Blobs     blob.Store
	Links     *link.Signer
	Callbacks Redeliverer
	// Canceller ends a task its caller cancels (internal/delivery, the
	// same worker as Callbacks); nil answers POST /api/v1/mp4/cancel with
	// 404.
	Canceller Canceller
	// Upstream looks up tracks the caller's catalogue lacks (contract
	// §6.1); nil means none is configured.
	Upstream Upstream
	// Guard judges callback and source URLs; nil blocks every internal
	// address class.
	Guard *netguard.Guard
	// Sources, when set, probes each uploaded audio file before the upload
	// is accepted, so a file the renderer cannot use answers 400 at once
	// (probe.go); nil accepts any upload and lets the render find out.
	Sources SourceChecker
	// TempDir is where an upload is spooled for Sources; "" means
	// os.TempDir().
	TempDir string
	// SourceGuard judges a track's audioUrl and imageUrl (mvgen serve
	// --source-allow-net); nil blocks every internal address class.
	SourceGuard *netguard.Guard
	// Logger receives internal errors; nil means discard.
	Logger *slog.Logger

	// MaxBodyBytes caps JSON bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxUploadBytes caps an uploaded audio file; 0 means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// Ready answers GET /readyz while the server is not draining
	// (internal/ready); nil answers "ready".
	Ready http.Handler
	// Observer is told about new tasks; nil means nobody.
	Observer Observer

	// Limits are the per-key rate limits, the cap on unfinished tasks and
	// the minimum upload rate (limits.go); the zero value limits nothing.
	Limits Limits
	// EpochTimes switches record-info times from "yyyy-MM-dd HH:mm:ss" UTC
	// strings to epoch milliseconds (contract §3).
	EpochTimes bool
	draining   atomic.Bool
	streams    streamHub // the open event streams (streamhub.go)
	once       sync.Once
	mux        *http.ServeMux
}

// Drain makes task submissions answer 455 (HTTP 503) from now on, while
// reads and downloads go on: the server is shutting down.
func (h *Handler) Drain() { h.draining.Store(true) }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.routes)
	h.minRate(w, r)
	h.mux.ServeHTTP(w, r)
}

// routes builds the route table, once.
func (h *Handler) routes() {
	if h.Logger == nil {
		h.Logger = slog.New(slog.DiscardHandler)
	}
	h.Logger = slog.New(logctx.NewHandler(h.Logger.Handler())) // request= and task= from the context
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", h.healthz)
	m.HandleFunc("GET /readyz", h.readyz)   // ops.go
	m.HandleFunc("GET /metrics", h.metrics) // ops.go: 404, served elsewhere
	m.Handle("POST /api/v1/mp4/generate", h.auth(h.generate))
	m.Handle("GET /api/v1/mp4/record-info", h.auth(h.recordInfo))
	m.Handle("GET /api/v1/mp4/callbacks", h.auth(h.callbacks))
	// The jobs dialect (contract §12, jobs.go).
	m.Handle("POST /api/v1/jobs/createTask", h.auth(h.createJob))
	m.Handle("GET /api/v1/jobs/recordInfo", jobsMessages(h.auth(h.jobRecord)))
	m.Handle("POST /api/v1/mp4/callbacks/redeliver", h.auth(h.redeliver))
	m.Handle("POST /api/v1/tracks", h.auth(h.createTrack))
	m.Handle("GET /api/v1/tracks", h.auth(h.listTracks))
	m.HandleFunc("GET /v1/videos/{file}", h.video)
	m.HandleFunc("GET /v1/posters/{file}", h.poster)     // videos.go
	m.HandleFunc("GET /v1/captions/{file}", h.captions)  // videos.go
	m.Handle("GET /openapi.json", docs.OpenAPIHandler()) // no authentication (contract §10)
	m.Handle("GET /openapi.yaml", docs.OpenAPIHandler())
	// mvgen's extensions for the dashboard (and any client): the key's task
	// list and an event stream of its changes (list.go, events.go).
	m.Handle("GET /api/v1/mp4/tasks", h.auth(h.listTasks))
	m.Handle("GET /api/v1/mp4/tasks/{taskId}", h.auth(h.oneTask))
	m.Handle("GET /api/v1/mp4/events", h.auth(h.events))
	// The key's brand (brand.go).
	m.Handle("PUT /api/v1/brand", h.auth(h.putBrand))
	m.Handle("GET /api/v1/brand", h.auth(h.getBrand))
	m.Handle("DELETE /api/v1/brand", h.auth(h.deleteBrand))
	m.Handle("GET /api/v1/brand/logo", h.auth(h.brandLogo))
	// Removing a track and cancelling a task (catalogue.go).
	m.Handle("DELETE /api/v1/tracks/{audioId}", h.auth(h.deleteTrack))
	if h.Canceller != nil {
		m.Handle("POST /api/v1/mp4/cancel", h.auth(h.cancel))
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// No route matched: the pattern "/" is this catch-all's, not a
		// route, so the request goes to the access log and the metrics as
		// matching none (route="unmatched"). The mux set Pattern on this
		// very request, which the middleware reads after answering.
		r.Pattern = ""
		h.error(w, r, mvgen.Errorf(mvgen.ENotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	h.mux = m
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if h.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("draining\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// envelope is every JSON answer (contract §1).
type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	// Message repeats Msg in the errors of the jobs API's recordInfo,
	// whose clients read "message" (jobs.go).
	Message string `json:"message,omitempty"`
	Data    any    `json:"data"`
}

// codes is the one table from domain error codes to the envelope's code.
var codes = map[mvgen.Code]int{
	mvgen.EBadRequest:   400,
	mvgen.EUnauthorized: 401,
	mvgen.EForbidden:    403,
	mvgen.ENotFound:     404,
	mvgen.EConflict:     409,
	mvgen.ETooLarge:     413,
	mvgen.ETimeout:      408,
	mvgen.ETooMany:      429,
	mvgen.EInvalid:      422,
	mvgen.EUnavailable:  455,
	mvgen.EInternal:     500,
}

// httpStatus is the HTTP status for an envelope code: the code itself where
// it is a real status, 503 for 455 (maintenance).
func httpStatus(code int) int {
	if code == 455 {
		return http.StatusServiceUnavailable
	}
	return code
}

func (h *Handler) ok(w http.ResponseWriter, data any) {
	writeJSON(w, 200, envelope{Code: 200, Msg: "success", Data: data})
}

func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := codes[mvgen.ErrorCode(err)], mvgen.ErrorMessage(err)
	if code == 0 || code == 500 {
		ctx, id := logctx.EnsureRequestID(r.Context())
		h.Logger.ErrorContext(ctx, "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		code, msg = 500, "internal error (request id "+id+")"
	}
	if code == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mvgen"`)
	}
	e := envelope{Code: code, Msg: msg}
	if wantsJobsMessage(r) {
		e.Message = msg
	}
	writeJSON(w, httpStatus(code), e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // links keep a plain "&"
	enc.Encode(v)
}

// timeValue renders a time for record-info: null when unset.
func (h *Handler) timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if h.EpochTimes {
		return t.UnixMilli()
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func (h *Handler) maxBody() int64 {
	if h.MaxBodyBytes > 0 {
		return h.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (h *Handler) maxUpload() int64 {
	if h.MaxUploadBytes > 0 {
		return h.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
}
