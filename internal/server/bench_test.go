package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/jobs"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/internal/store/postgres/pgtest"
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

// BenchmarkCallbackLatency measures completion-to-callback latency on
// loopback: after one real render, identical requests reuse its file, so
// each task completes at once and its callback takes the fast path. The
// latency is from the task's completion time (stored before its commit) to
// the receiver reading the request.
func BenchmarkCallbackLatency(b *testing.B) {
	const n = 200
	srv := startServer(b, serverConfig(b.TempDir()))
	c := newClient(b, srv.Store(), srv.URL())
	rcv := newReceiver(b)
	m, a := c.upload(makeAudio(b, b.TempDir(), "2s.mp3", 2), "", "latency")
	body := map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL}
	c.generate(body)
	rcv.next(b, time.Minute)
	b.ResetTimer()
	var lat []time.Duration
	for range b.N {
		for range n {
			id := c.generate(body)
			cb := rcv.next(b, time.Minute)
			tk, err := srv.Store().Task(context.Background(), "", id)
			if err != nil || taskIDOf(b, cb) != id {
				b.Fatalf("callback for another task or %v", err)
			}
			lat = append(lat, cb.at.Sub(tk.CompletedAt))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
}

// BenchmarkDeliveryThroughput measures callbacks delivered per second by
// one node to a loopback receiver: n finished tasks with queued callback
// jobs, then the workers start and the clock runs until all n arrived.
func BenchmarkDeliveryThroughput(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) { deliveryThroughput(b, backend) })
	}
}

func deliveryThroughput(b *testing.B, backend string) {
	const n = 2000
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		cfg := serverConfig(dir)
		cfg.Addr, cfg.MetricsAddr, cfg.CallbackAllowNets = "127.0.0.1:0", server.MetricsOff, loopback
		if backend == "postgres" {
			cfg.DB = pgtest.DSN(b)
		}
		s, err := server.Open(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		newClient(b, s.Store(), s.URL())
		var got atomic.Int64
		done := make(chan struct{})
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if got.Add(1) == n {
				close(done)
			}
		}))
		keys, _ := s.Store().Keys(context.Background())
		queueFinished(b, s.Store(), keys[0].ID, rcv.URL, n)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { ran <- s.Run(ctx) }()
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("only %d of %d callbacks in 5 minutes", got.Load(), n)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "deliveries/s")
		cancel()
		<-ran
		s.Close()
		rcv.Close()
	}
}

// queueFinished stores n finished tasks whose callback jobs are queued.
func queueFinished(b *testing.B, s store.Store, keyID, url string, n int) {
	ctx := context.Background()
	for i := range n {
		tk := &mvgen.Task{ID: mvgen.NewID(), KeyID: keyID, MusicTaskID: "m", AudioID: "a", CallbackURL: url,
			Status: mvgen.StatusPending, RenderKey: "r", WebhookID: "msg_" + mvgen.NewID(), CreatedAt: time.Now()}
		if _, err := s.CreateTask(ctx, tk); err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		_, err := s.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusSuccess, VideoKey: "videos/r.mp4",
			CompletedAt: now, ExpiresAt: now.Add(time.Hour)}, jobs.Callback(tk.ID, 1, time.Time{}))
		if err != nil {
			b.Fatalf("task %d: %v", i, err)
		}
	}
}

// BenchmarkGenerate measures POST /api/v1/mp4/generate on an API-only node:
// requests per second and p99 latency from 32 concurrent keep-alive clients
// over loopback, each request durably storing a task and its render job.
func BenchmarkGenerate(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			cfg := serverConfig(b.TempDir())
			cfg.APIOnly = true
			cfg.MaxPendingTasks = server.Off // thousands of tasks from one key
			if backend == "postgres" {
				cfg.DB = pgtest.DSN(b)
			}
			srv := startServer(b, cfg)
			c := newClient(b, srv.Store(), srv.URL())
			m, a := c.upload(makeAudio(b, b.TempDir(), "a.mp3", 2), "", "bench")
			body := []byte(`{"taskId":"` + m + `","audioId":"` + a + `","callBackUrl":"https://example.com/hook"}`)
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			const workers = 32
			total := max(b.N, 4000)
			var next atomic.Int64
			lat := make([][]time.Duration, workers)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(total) {
						req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/v1/mp4/generate", bytes.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+c.token)
						t0 := time.Now()
						resp, err := hc.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Errorf("generate: %s", resp.Status)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50_ms")
		})
	}
}
