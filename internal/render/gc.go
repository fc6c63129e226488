package render

import (
	"os"
	"runtime/debug"
	"sync"
)

// renderGCPercent is the Go collector's goal while renders run: the heap
// may grow 25 % over what is live before a collection (Go's default is
// 100 %). A render's heap is mostly long-lived (the fonts, about 36 MiB
// for Noto Sans CJK's two faces; the frames; the GOPs waiting for the
// muxer: about 65 MiB at 720p) and it makes little garbage (about 110 MB
// over a 3-minute render), so collecting earlier costs a few collections
// of about 10 ms and keeps the peak down: a 15-minute render at 720p
// peaked at 233 MiB of PSS with the default and 188 MiB with 25 %
// (BenchmarkRender15min).
const renderGCPercent = 25

// gcGoal lowers the collector's goal to renderGCPercent while renders run
// (it is process-wide: the service's other work shares it then), unless
// GOGC is set, which the operator's choice then is.
var gcGoal struct {
	mu      sync.Mutex
	renders int // renders running
	saved   int // the goal before the first of them
}

// lowerGCGoal lowers the collector's goal for a render and returns what
// restores it when the render ends.
func lowerGCGoal() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcGoal.mu.Lock()
	defer gcGoal.mu.Unlock()
	if gcGoal.renders == 0 {
		gcGoal.saved = debug.SetGCPercent(renderGCPercent)
	}
	gcGoal.renders++
	return func() {
		gcGoal.mu.Lock()
		defer gcGoal.mu.Unlock()
		if gcGoal.renders--; gcGoal.renders == 0 {
			debug.SetGCPercent(gcGoal.saved)
		}
	}
}
