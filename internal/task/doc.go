// Package task holds mvgen's domain: video tasks, source tracks, API keys, the
// successFlag state machine, request validation and the error vocabulary that
// the API layer maps to the contract's codes. It does no I/O.
package task
