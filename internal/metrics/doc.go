// Package metrics owns mvgen's Prometheus metrics: one registry per server,
// every metric's definition, and the small hooks the other packages call so
// that none of them imports Prometheus.
//
// What counts what:
//   - internal/server's middleware calls [Metrics.RequestServed] for every
//     HTTP request: requests by the ServeMux pattern that served them
//     (r.Pattern, so the label set is bounded) and status code, and a
//     latency histogram by pattern.
//   - [Metrics.Fetch] and [Metrics.Callbacks] wrap the transports of the
//     source-download and callback clients: bytes fetched and failed
//     fetches; callback attempts by outcome (2xx, 3xx, 4xx, 5xx, timeout,
//     refused by the address rules, error).
//   - The API, the render worker, delivery and the queue call the methods
//     their own small observer interfaces declare: TaskCreated,
//     TaskFinished, CallbackDelivered, Rendered, JobStarted.
//   - [Metrics.WatchQueue] reads the queue's depth at every scrape, and
//     [Metrics.WatchStreams] the event streams open.
//   - Packages built elsewhere call [Metrics.UpstreamLookup] and
//     [Metrics.RateLimited] (through an interface of their own).
//
// [Metrics.Handler] serves the registry in Prometheus' text format;
// internal/server serves it on a listener of its own, never the API's.
package metrics
