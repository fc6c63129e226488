package server_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/render/safe"
	"github.com/mvgen/mvgen/internal/server"
)

// TestFaultRenderPanic (issue 19 item 9): a render that panics while it
// draws (a failpoint) fails its task with 500 "internal error" and its
// callback is delivered; the node keeps serving and the next 10 tasks
// render on it.
func TestFaultRenderPanic(t *testing.T) {
	t.Parallel()
	const title = "TestFaultRenderPanic: panic here"
	restore := safe.SetFailpoint(func(point, subject string) {
		if point == "draw" && subject == title {
			panic("failpoint: a bug in drawing")
		}
	})
	defer restore()
	r := startServer(t, server.Config{})
	c := newClient(t, r.Store(), r.URL())
	rcv := newReceiver(t)
	audio := makeAudio(t, t.TempDir(), "a.wav", 2)

	m, a := c.upload(audio, "", title)
	id := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL})
	rec := c.waitDone(id, 2*time.Minute)
	if rec.SuccessFlag != "GENERATE_MP4_FAILED" || rec.ErrorCode == nil || *rec.ErrorCode != 500 {
		t.Fatalf("the panicking render's task: %s, code %v, message %q; want GENERATE_MP4_FAILED with 500",
			rec.SuccessFlag, rec.ErrorCode, deref(rec.ErrorMessage))
	}
	cb := rcv.next(t, time.Minute)
	var ev struct {
		Code int `json:"code"`
		Data struct {
			TaskID string `json:"task_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(cb.body, &ev); err != nil || ev.Data.TaskID != id || ev.Code != 500 {
		t.Fatalf("callback of the panicking task: %s", cb.body)
	}

	m, a = c.upload(audio, "", "after the panic")
	for i := range 10 {
		next := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": rcv.URL, "author": fmt.Sprint("author ", i)})
		if rec := c.waitDone(next, 2*time.Minute); rec.SuccessFlag != "SUCCESS" {
			t.Fatalf("task %d after the panic: %s (%s)", i+1, rec.SuccessFlag, deref(rec.ErrorMessage))
		}
	}
	t.Logf("fault figures: render panic: the task failed with 500 and was called back; 10 of 10 later tasks rendered on the same node")
}
