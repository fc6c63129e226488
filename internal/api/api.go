// Package api is mvgen's HTTP API (contract §1-3, §7, §9): the envelope, the
// one table that maps domain errors to its codes, authentication, the
// Suno-compatible mp4 endpoints, the track catalogue and video downloads.
package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/dashboard"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/task"
)

// Defaults of Handler's limits.
const (
	DefaultMaxBodyBytes   = 64 << 10  // JSON request bodies
	DefaultMaxUploadBytes = 200 << 20 // an uploaded audio file
	DefaultMaxCoverBytes  = 20 << 20  // an uploaded cover image
)

// Handler serves the API. Fields must be set before the first request.
type Handler struct {
	Store  store.Store
	Blobs  blob.Store
	Links  *link.Signer
	Guard  *netguard.Guard
	Logger *slog.Logger

	// MaxBodyBytes caps JSON bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxUploadBytes caps an uploaded audio file; 0 means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// EpochTimes switches record-info times from "yyyy-MM-dd HH:mm:ss" UTC
	// strings to epoch milliseconds (contract §3).
	EpochTimes bool
	// RenderVersion is mixed into render keys so a new renderer does not
	// reuse files of an old one.
	RenderVersion string

	draining atomic.Bool
	mux      *http.ServeMux
}

// Drain makes task submissions answer 455 (HTTP 503) from now on, while
// reads and downloads go on: the server is shutting down.
func (h *Handler) Drain() { h.draining.Store(true) }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.mux == nil {
		panic("api: Handler used before Routes")
	}
	h.mux.ServeHTTP(w, r)
}

// Routes builds the route table; call it once before serving.
func (h *Handler) Routes() *Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", h.healthz)
	m.Handle("POST /api/v1/mp4/generate", h.auth(h.generate))
	m.Handle("GET /api/v1/mp4/record-info", h.auth(h.recordInfo))
	m.Handle("GET /api/v1/mp4/callbacks", h.auth(h.callbacks))
	m.Handle("POST /api/v1/mp4/callbacks/redeliver", h.auth(h.redeliver))
	m.Handle("POST /api/v1/tracks", h.auth(h.createTrack))
	m.Handle("GET /api/v1/tracks", h.auth(h.listTracks))
	m.HandleFunc("GET /v1/videos/{file}", h.video)
	// The dashboard (issue 12): its task list and event stream (list.go,
	// events.go), and the page itself at / with its assets under /ui/.
	m.Handle("GET /api/v1/mp4/tasks", h.auth(h.listTasks))
	m.Handle("GET /api/v1/mp4/tasks/{taskId}", h.auth(h.oneTask))
	m.Handle("GET /api/v1/mp4/events", h.auth(h.events))
	m.Handle("GET /{$}", dashboard.Handler())
	m.Handle("GET /ui/", dashboard.Handler())
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.error(w, r, task.Errorf(task.ENotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	h.mux = m
	return h
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
	Data any    `json:"data"`
}

// codes is the one table from domain error codes to the envelope's code.
var codes = map[task.Code]int{
	task.EBadRequest:   400,
	task.EUnauthorized: 401,
	task.ENotFound:     404,
	task.EConflict:     409,
	task.ETooLarge:     413,
	task.EInvalid:      422,
	task.EUnavailable:  455,
	task.EInternal:     500,
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
	code, msg := codes[task.ErrorCode(err)], task.ErrorMessage(err)
	if code == 0 || code == 500 {
		id := requestID()
		h.Logger.Error("internal error", "request", id, "method", r.Method, "path", r.URL.Path, "err", err)
		code, msg = 500, "internal error (request id "+id+")"
	}
	if code == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mvgen"`)
	}
	writeJSON(w, httpStatus(code), envelope{Code: code, Msg: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // links keep a plain "&"
	enc.Encode(v)
}

func requestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
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
