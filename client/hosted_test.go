package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// hostedFake stands for a hosted Suno-style service: it serves the bodies
// its documentation gives as examples (testdata/), byte for byte, on the
// two endpoints mvgen shares with it.
type hostedFake struct {
	t          testing.TB
	recordFile string      // record-info's answer
	generate   []byte      // generate's answer
	gotBody    chan []byte // generate request bodies
}

func newHostedFake(t testing.TB, recordFile string) *httptest.Server {
	f := &hostedFake{t: t, recordFile: recordFile, generate: testdata(t, "sunoapi-generate-response.json"), gotBody: make(chan []byte, 1)}
	s := httptest.NewServer(f)
	t.Cleanup(s.Close)
	return s
}

func (f *hostedFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer hosted-key" {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"code":401,"msg":"Unauthorized","data":null}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/mp4/generate" && r.Header.Get("Content-Type") == "application/json":
		b, _ := io.ReadAll(r.Body)
		select {
		case f.gotBody <- b:
		default:
		}
		w.Write(f.generate)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/mp4/record-info" && r.URL.Query().Get("taskId") != "":
		w.Write(testdata(f.t, f.recordFile))
	default:
		http.NotFound(w, r)
	}
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostedGenerate: the SDK sends the documented request body for the
// documented fields, and reads the documented answer.
func TestHostedGenerate(t *testing.T) {
	t.Parallel()
	s := newHostedFake(t, "sunoapi-record-info.json")
	f := s.Config.Handler.(*hostedFake)
	var documented client.GenerateRequest
	if err := json.Unmarshal(testdata(t, "sunoapi-generate-request.json"), &documented); err != nil {
		t.Fatal(err)
	}
	id, err := client.New(s.URL, "hosted-key").Generate(context.Background(), documented)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if id != "taskId_774b9aa0422f" {
		t.Errorf("task id = %q, want the documented taskId_774b9aa0422f", id)
	}
	var sent, want map[string]any
	json.Unmarshal(<-f.gotBody, &sent)
	json.Unmarshal(testdata(t, "sunoapi-generate-request.json"), &want)
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("sent %v, want the documented body %v", sent, want)
	}
}

// TestHostedRecord reads each documented record-info answer.
func TestHostedRecord(t *testing.T) {
	t.Parallel()
	documented := &client.Record{
		TaskID: "taskId_774b9aa0422f", MusicID: "audioId_0295980ec02e", AudioID: "audioId_0295980ec02e",
		CallbackURL: "https://api.example.com/callback", SuccessFlag: client.StatusSuccess,
		VideoURL:   "https://example.com/videos/video_847715e66259.mp4",
		CreateTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), CompleteTime: time.Date(2025, 1, 1, 0, 10, 0, 0, time.UTC),
		Progress: 100,
	}
	epoch := *documented
	epoch.CreateTime = time.Date(2024, 12, 31, 16, 10, 0, 0, time.UTC) // 1735661400000 ms
	epoch.CompleteTime = epoch.CreateTime
	for _, tc := range []struct {
		file string
		want *client.Record
	}{
		{"sunoapi-record-info.json", documented},
		{"aibackend-record-info-epoch.json", &epoch},
		{"kie-record-info-schema.json", &client.Record{}}, // every value empty or 0: zero values
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			s := newHostedFake(t, tc.file)
			got, err := client.New(s.URL, "hosted-key").Record(context.Background(), "taskId_774b9aa0422f")
			if err != nil {
				t.Fatalf("Record: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestHostedWait: WaitForVideo ends at once on the documented SUCCESS
// answer, and the hosted services' errors (HTTP 200, code in the body)
// are *client.Error.
func TestHostedWait(t *testing.T) {
	t.Parallel()
	s := newHostedFake(t, "sunoapi-record-info.json")
	rec, err := client.New(s.URL, "hosted-key").WaitForVideo(context.Background(), "taskId_774b9aa0422f", nil)
	if err != nil || rec.VideoURL != "https://example.com/videos/video_847715e66259.mp4" {
		t.Errorf("WaitForVideo = %+v, %v", rec, err)
	}
	_, err = client.New(s.URL, "wrong-key").Record(context.Background(), "taskId_774b9aa0422f")
	var apiErr *client.Error
	if !errors.Is(err, client.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.StatusCode != 200 || apiErr.Code != 401 {
		t.Errorf("wrong key: %#v, want code 401 in an HTTP 200", err)
	}
}

// TestHostedConflict: the hosted services answer a repeated generate with
// 409 "Mp4 record already exists" in an HTTP 200 (contract §2; the body is
// the documented envelope with that code, not a copied example).
func TestHostedConflict(t *testing.T) {
	t.Parallel()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"code":409,"msg":"Mp4 record already exists","data":null}`))
	}))
	defer s.Close()
	_, err := client.New(s.URL, "k").Generate(context.Background(), client.GenerateRequest{TaskID: "t", AudioID: "a"})
	if !errors.Is(err, client.ErrConflict) {
		t.Errorf("error = %v, want ErrConflict", err)
	}
}

// TestHostedJobRecord: JobRecord reads kie.ai's documented recordInfo
// answer as it is; an error in the jobs envelope's "message" reaches
// *client.Error.
func TestHostedJobRecord(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/jobs/recordInfo" || r.Header.Get("Authorization") != "Bearer hosted-key" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("taskId") != "task_12345678" {
			w.Write([]byte(`{"code":404,"message":"task not found","data":null}`))
			return
		}
		w.Write(testdata(t, "kie-jobs-record-info.json"))
	}))
	defer srv.Close()
	c := client.New(srv.URL, "hosted-key")
	got, err := c.JobRecord(context.Background(), "task_12345678")
	if err != nil {
		t.Fatalf("JobRecord: %v", err)
	}
	want := &client.JobRecord{TaskID: "task_12345678", Model: "grok-imagine/text-to-image", State: client.JobSuccess,
		Param:        `{"model":"grok-imagine/text-to-image","callBackUrl":"https://your-domain.com/api/callback","input":{"prompt":"Cinematic portrait...","aspect_ratio":"3:2"}}`,
		ResultURLs:   []string{"https://example.com/generated-content.jpg"},
		CompleteTime: time.UnixMilli(1698765432000).UTC(), CreateTime: time.UnixMilli(1698765400000).UTC(),
		UpdateTime: time.UnixMilli(1698765432000).UTC()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	_, err = c.JobRecord(context.Background(), "other")
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != 404 || ce.Msg != "task not found" {
		t.Errorf("JobRecord of an unknown task: %v, want a 404 *client.Error with the message", err)
	}
}
