package server_test

import (
	"testing"
	"time"
)

// BenchmarkSubmitToCallback30s measures, on the embedded default, the time
// from generate's answer to the receiver having the callback for a 30 s
// track: render plus queueing plus delivery.
func BenchmarkSubmitToCallback30s(b *testing.B) {
	srv := startServer(b, serverConfig(b.TempDir()))
	c := newClient(b, srv.Store(), srv.URL())
	rcv := newReceiver(b)
	m, a := c.upload(makeAudio(b, b.TempDir(), "30s.mp3", 30), "", "thirty seconds")
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		// A distinct author per run, so no render is shared with an earlier one.
		start := time.Now()
		c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL, "author": "run " + string(rune('A'+i%26))})
		cb := rcv.next(b, 5*time.Minute)
		total += cb.at.Sub(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/callback")
	b.ReportMetric(30/(total.Seconds()/float64(b.N)), "x_realtime")
}
