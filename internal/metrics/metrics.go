package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Metrics is one server's registry and every metric in it. Its methods are
// safe for concurrent use; a nil *Metrics records nothing.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	tasksCreated  prometheus.Counter
	tasksFinished *prometheus.CounterVec

	queueWait *prometheus.HistogramVec

	renderDuration prometheus.Histogram
	renderSpeed    prometheus.Histogram

	fetchBytes    prometheus.Counter
	fetchFailures *prometheus.CounterVec

	callbackAttempts *prometheus.CounterVec
	callbackLatency  prometheus.Histogram

	upstreamLookups  *prometheus.CounterVec
	upstreamDuration prometheus.Histogram

	rateLimited *prometheus.CounterVec
}

// Label values of mvgen_callback_attempts_total's outcome.
const (
	Outcome2xx     = "2xx"
	Outcome3xx     = "3xx" // redirects are not followed: a failed attempt
	Outcome4xx     = "4xx"
	Outcome5xx     = "5xx"
	OutcomeTimeout = "timeout"
	OutcomeRefused = "refused" // the address rules (internal/netguard) refused the destination
	OutcomeError   = "error"   // any other failure to get an answer (connection refused, reset, TLS)
)

// New returns metrics in a registry of their own, with Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mvgen_http_requests_total",
		Help: "HTTP requests answered, by the route pattern that served them and status code.",
	}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mvgen_http_request_duration_seconds",
		Help:    "Time from a request's arrival to the end of its answer, by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	m.tasksCreated = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mvgen_tasks_created_total",
		Help: "Video tasks created by generate (an Idempotency-Key replay creates none).",
	})
	m.tasksFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mvgen_tasks_finished_total",
		Help: "Video tasks that ended, by the successFlag they ended with.",
	}, []string{"status"})
	m.queueWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mvgen_queue_wait_seconds",
		Help:    "Time from when a job was due to when a worker of this node started it, by job kind.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
	}, []string{"kind"})
	m.renderDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mvgen_render_duration_seconds",
		Help:    "Wall time of successful renders (probe, draw, encode, mux).",
		Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800},
	})
	m.renderSpeed = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mvgen_render_speed_ratio",
		Help:    "Successful renders' speed: seconds of audio rendered per second of wall time (× real time).",
		Buckets: []float64{0.5, 1, 2, 4, 6, 8, 10, 13, 16, 20, 30, 50},
	})
	m.fetchBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mvgen_source_fetch_bytes_total",
		Help: "Bytes of source audio and covers downloaded from their URLs.",
	})
	m.fetchFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mvgen_source_fetch_failures_total",
		Help: "Source downloads (each try) that failed, by reason: refused, timeout, error, 4xx, 5xx.",
	}, []string{"reason"})
	m.callbackAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mvgen_callback_attempts_total",
		Help: "Callback attempts by outcome: 2xx, 3xx, 4xx, 5xx, timeout, refused (address rules), error.",
	}, []string{"outcome"})
	m.callbackLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mvgen_callback_delivery_latency_seconds",
		Help:    "Time from a task's completion to its callback's first 2xx (first deliveries, retries included).",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000, 86400},
	})
	m.upstreamLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mvgen_upstream_lookups_total",
		Help: "Lookups of tracks at the upstream music API, by outcome (found, not_found, error).",
	}, []string{"outcome"})
	m.upstreamDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mvgen_upstream_lookup_duration_seconds",
		Help:    "Time an upstream track lookup took.",
		Buckets: prometheus.DefBuckets,
	})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mvgen_rate_limited_requests_total",
		Help: "Requests refused by a per-key limit, by the limit that refused them.",
	}, []string{"limit"})
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.tasksCreated, m.tasksFinished, m.queueWait,
		m.renderDuration, m.renderSpeed, m.fetchBytes, m.fetchFailures, m.callbackAttempts, m.callbackLatency,
		m.upstreamLookups, m.upstreamDuration, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that alerts divide by exist from the start, at 0.
	for _, o := range []string{Outcome2xx, Outcome3xx, Outcome4xx, Outcome5xx, OutcomeTimeout, OutcomeRefused, OutcomeError} {
		m.callbackAttempts.WithLabelValues(o)
	}
	for _, s := range []mvgen.Status{mvgen.StatusSuccess, mvgen.StatusCreateFailed, mvgen.StatusRenderFailed} {
		m.tasksFinished.WithLabelValues(string(s))
	}
	return m
}

// Registry is the registry the metrics live in, for registering more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus' exposition formats. Errors of
// a collector (the queue depth's query) are logged to log and the other
// metrics are still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPrinter{log},
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
}

// slogPrinter adapts a *slog.Logger to promhttp's Logger.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	if p.log != nil {
		p.log.Warn("serving metrics", "err", slogJoin(v))
	}
}

func slogJoin(v []any) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

// TaskCreated counts a new video task (internal/api).
func (m *Metrics) TaskCreated() {
	if m != nil {
		m.tasksCreated.Inc()
	}
}

// TaskFinished counts a task that ended with status (internal/delivery).
func (m *Metrics) TaskFinished(status mvgen.Status) {
	if m != nil {
		m.tasksFinished.WithLabelValues(string(status)).Inc()
	}
}

// CallbackDelivered records the time from a task's completion to the 2xx
// that ended its first delivery (internal/delivery).
func (m *Metrics) CallbackDelivered(sinceCompletion time.Duration) {
	if m != nil {
		m.callbackLatency.Observe(sinceCompletion.Seconds())
	}
}

// Rendered records a successful render of audio seconds of audio that took
// elapsed (internal/worker).
func (m *Metrics) Rendered(elapsed, audio time.Duration) {
	if m == nil || elapsed <= 0 {
		return
	}
	m.renderDuration.Observe(elapsed.Seconds())
	m.renderSpeed.Observe(audio.Seconds() / elapsed.Seconds())
}

// JobStarted records how long a job of kind waited between being due and
// being started (internal/queue).
func (m *Metrics) JobStarted(kind string, wait time.Duration) {
	if m != nil {
		m.queueWait.WithLabelValues(kind).Observe(max(wait, 0).Seconds())
	}
}

// UpstreamLookup records one lookup at the upstream music API: outcome is
// "found", "not_found" or "error"; took is how long it took.
func (m *Metrics) UpstreamLookup(outcome string, took time.Duration) {
	if m != nil {
		m.upstreamLookups.WithLabelValues(outcome).Inc()
		m.upstreamDuration.Observe(took.Seconds())
	}
}

// RateLimited counts a request refused by the per-key limit named limit
// (for example "requests" or "renders").
func (m *Metrics) RateLimited(limit string) {
	if m != nil {
		m.rateLimited.WithLabelValues(limit).Inc()
	}
}

// QueueCounter reads how many jobs wait or run, by kind and state
// (internal/queue's Counts).
type QueueCounter interface {
	Counts(ctx context.Context) (map[string]map[string]int, error)
}

// WatchQueue publishes q's depth at every scrape as mvgen_queue_jobs{kind,
// state}, for the states a job waits or runs in (available, scheduled,
// retryable, running); kinds lists those always shown, at 0 when empty.
func (m *Metrics) WatchQueue(q QueueCounter, kinds ...string) {
	m.reg.MustRegister(&queueCollector{q: q, kinds: kinds})
}

// WatchStreams publishes open() at every scrape as mvgen_event_streams:
// the event streams open on this node (internal/api's Handler.Streams).
func (m *Metrics) WatchStreams(open func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mvgen_event_streams",
		Help: "Event streams (GET /api/v1/mp4/events) open on this node.",
	}, func() float64 { return float64(open()) }))
}

var queueDesc = prometheus.NewDesc("mvgen_queue_jobs",
	"Jobs in the queue (the whole database, shared by every node) by kind and state: available (due), scheduled (due later), retryable (failed, to retry), running.",
	[]string{"kind", "state"}, nil)

// queueStates are the states of a job not yet done.
var queueStates = []string{"available", "scheduled", "retryable", "running"}

type queueCollector struct {
	q     QueueCounter
	kinds []string
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.q.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	for _, k := range c.kinds {
		if counts[k] == nil {
			counts[k] = map[string]int{}
		}
	}
	for kind, states := range counts {
		for _, s := range queueStates {
			ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(states[s]), kind, s)
		}
	}
}
