// Package delivery sends task completion callbacks (contract §4-5).
//
// A delivery is the set of attempts to get one callback body to a task's
// callBackUrl: number 1 when the task finishes, 2, 3, ... for redeliveries
// requested through the API. Every attempt is signed afresh with both schemes
// (package webhook), carries the task's one webhook-id, goes through the
// SSRF-guarded client (internal/netguard) and is written to the attempt log.
//
// The attempt log is the source of truth for the schedule: before each
// attempt the worker reads the delivery's attempts and either stops (a 2xx,
// a 410, or the last scheduled attempt spent), waits (the job snoozes) until
// the next attempt is due, or sends. A retry's delay is the schedule's entry
// jittered by ±20% (deterministically per task and attempt, so recomputing it
// gives the same time), lengthened by a 429/503 Retry-After up to twice the
// scheduled delay.
//
// Delivery owns "a task ended, deliver its callback": the render worker calls
// Finish, which ends the task and queues its callback job (for a moment
// later) in one transaction, then makes the first attempt at once in the
// same process (the fast path); the API's redelivery calls Redeliver, which
// does the same for a new delivery. If that attempt fails, the queued job is brought forward and takes
// over the schedule; if the process dies first, the job sends the attempt
// itself. Either way delivery is at-least-once. The API's cancel calls
// Cancel: Finish, then the queue stops the task's running fetch or render
// wherever it runs (those jobs do not read their task again while they
// work).
//
// A per-destination cap (host:port) keeps one slow receiver from holding the
// workers that callbacks to everyone else need.
package delivery
