// Package mvgen holds mvgen's domain and its rules, with no I/O: video tasks
// and the successFlag state machine (task.go), the generate request and its
// validation, the render key and request hash (request.go), the video aspect
// (aspect.go), source tracks, API keys with token creation and hashing
// (key.go), callback attempts, and the error vocabulary that the API layer
// maps to the contract's codes (error.go). The failure codes a failed task
// carries are the callback's (webhook.Code*), one set for both.
package mvgen
