package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
)

// TestShutdownGrace: a render running when the server is told to stop
// finishes within ShutdownGrace (it used to be interrupted and requeued at
// once, whatever the grace: River took the end of the context given to
// Start as a hard stop); with a grace too short it is requeued.
func TestShutdownGrace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		grace time.Duration
		want  mvgen.Status
	}{
		{"grace long enough", time.Minute, mvgen.StatusSuccess},
		{"grace too short", 50 * time.Millisecond, mvgen.StatusPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := startServer(t, server.Config{ShutdownGrace: tc.grace})
			c := newClient(t, r.Store(), r.URL())
			m, a := c.upload(makeAudio(t, t.TempDir(), "long.wav", 90), "", "shutdown")
			id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": newReceiver(t).URL})
			// Stop once the render is under way.
			for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if rec, _ := c.record(id); rec.Progress > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the render never reported progress")
				}
			}
			start := time.Now()
			r.stop(t)
			st, err := server.OpenStore(context.Background(), server.Config{DataDir: r.DataDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			task, err := st.Task(context.Background(), "", id)
			if err != nil {
				t.Fatal(err)
			}
			if task.Status != tc.want {
				t.Errorf("after a stop with %v of grace (took %v): task %s, want %s", tc.grace, time.Since(start).Round(time.Millisecond), task.Status, tc.want)
			}
		})
	}
}
