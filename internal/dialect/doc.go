// Package dialect maps mvgen's video tasks to and from the wire shapes of
// the APIs through which clients create them, beyond the mp4 routes of
// contract §2-4 that internal/api and internal/delivery speak natively.
//
// One dialect is one file: jobs.go is kie.ai's generic jobs API (contract
// §12): the names of its create request's input fields, its states, its
// record and its callback body. The domain (internal/mvgen) never learns a
// dialect's shapes; the API decodes a dialect's request into an
// mvgen.Request with Task.Dialect set, and every reader of a task (the
// record routes, the callback worker, the dashboard) asks this package for
// the shape that task speaks.
//
// Adding a dialect (vidgo/poyo's create-music-video, crun's suno/music-video)
// takes: a file here with its model name, input names, state mapping, record
// and callback; a route pair in internal/api (jobs.go is the model); a
// Dialect constant in internal/mvgen; its documented examples under
// internal/api/testdata/conformance/<dialect>/ with one mapping file in the
// conformance suite (internal/api/conformance_test.go).
package dialect
