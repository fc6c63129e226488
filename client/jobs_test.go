package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
	"github.com/mvgen/mvgen/webhook"
)

// TestJobs drives the jobs dialect through the SDK against the real
// service: CreateJob, WaitForJob to success, the video downloaded from
// ResultURLs, the jobs callback parsed by the older body's parser; Record
// reads the same task; a source that is not audio fails with its code.
func TestJobs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(live.URL(), newKey(t))
	bodies := make(chan []byte, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	defer receiver.Close()

	audio, err := os.Open(live.audio)
	if err != nil {
		t.Fatal(err)
	}
	defer audio.Close()
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: audio, AudioName: "song.wav", Title: "Sine"})
	if err != nil {
		t.Fatalf("UploadTrack: %v", err)
	}
	id, err := c.CreateJob(ctx, client.JobRequest{CallBackURL: receiver.URL + "/hook",
		Input: client.JobInput{TaskID: ref.TaskID, AudioID: ref.AudioID, Author: "Ada", Aspect: "1:1"}})
	if err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	rec, err := c.WaitForJob(ctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("WaitForJob: %v", err)
	}
	if rec.TaskID != id || rec.Model != client.JobsModel || rec.State != client.JobSuccess || len(rec.ResultURLs) != 1 ||
		rec.FailCode != "" || rec.CreateTime.IsZero() || rec.CompleteTime.Before(rec.CreateTime) ||
		rec.CostTime != rec.CompleteTime.Sub(rec.CreateTime) || !strings.Contains(rec.Param, `"author":"Ada"`) {
		t.Errorf("JobRecord = %+v", rec)
	}
	var video bytes.Buffer
	if n, err := c.Download(ctx, rec.ResultURLs[0], &video, nil); err != nil || n == 0 {
		t.Fatalf("Download of resultUrls[0]: %d bytes, %v", n, err)
	}
	if old, err := c.Record(ctx, id); err != nil || old.SuccessFlag != client.StatusSuccess || old.Author != "Ada" {
		t.Errorf("Record of a jobs task = %+v, %v", old, err)
	}
	select {
	case b := <-bodies:
		ev, err := webhook.ParseEvent(b)
		if err != nil || !ev.OK() || ev.Data.TaskID != id || !strings.Contains(string(b), `"msg":"Playground task completed successfully."`) {
			t.Errorf("callback %s: %+v, %v", b, ev, err)
		}
	case <-ctx.Done():
		t.Fatal("no callback")
	}

	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "not audio") }))
	defer src.Close()
	bad, err := c.RegisterTrack(ctx, client.TrackURLs{AudioURL: src.URL + "/song.mp3"})
	if err != nil {
		t.Fatalf("RegisterTrack: %v", err)
	}
	id, err = c.CreateJob(ctx, client.JobRequest{Input: client.JobInput{TaskID: bad.TaskID, AudioID: bad.AudioID}})
	if err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	rec, err = c.WaitForJob(ctx, id, 50*time.Millisecond)
	var ve *client.VideoError
	if !errors.As(err, &ve) || ve.ErrorCode != 400 || rec.State != client.JobFail || rec.FailCode != "400" || rec.FailMsg == "" {
		t.Errorf("WaitForJob of a bad source = %+v, %v; want fail with code 400", rec, err)
	}

	_, err = c.JobRecord(ctx, "nope")
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != 404 || !strings.Contains(ce.Msg, "no video task") {
		t.Errorf("JobRecord of an unknown task: %v, want a 404 naming the problem", err)
	}
}
