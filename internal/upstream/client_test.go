package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// TestDocumentedExamples parses the hosted services' documented answers as
// they are.
func TestDocumentedExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, audioID string
	}{
		{"testdata/sunoapi-record-info.json", "8551****662c"},
		{"testdata/kie-record-info.json", "e231****-****-****-****-****8cadc7dc"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var gotAuth, gotTask string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth, gotTask = r.Header.Get("Authorization"), r.URL.Query().Get("taskId")
				if r.URL.Path != "/api/v1/generate/record-info" {
					http.NotFound(w, r)
					return
				}
				w.Write(body)
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL + "/"}
			tr, err := c.Track(context.Background(), "sk-user", "5c79****be8e", tc.audioID)
			if err != nil {
				t.Fatalf("Track: %v", err)
			}
			if gotAuth != "Bearer sk-user" || gotTask != "5c79****be8e" {
				t.Errorf("request: Authorization %q taskId %q, want %q and %q", gotAuth, gotTask, "Bearer sk-user", "5c79****be8e")
			}
			want := Track{ID: tc.audioID, AudioURL: "https://example.cn/****.mp3", StreamAudioURL: "https://example.cn/****",
				ImageURL: "https://example.cn/****.jpeg", Title: "钢铁侠", Tags: "electrifying, rock", Duration: 198.44}
			if *tr != want {
				t.Errorf("track = %+v, want %+v", *tr, want)
			}
		})
	}
}

// TestAnswers maps every kind of answer to its domain error.
func TestAnswers(t *testing.T) {
	t.Parallel()
	const ok = `"code":200,"msg":"success"`
	track := func(status, audio string) string {
		return `{` + ok + `,"data":{"taskId":"T","status":"` + status + `","response":{"taskId":"T","sunoData":[` +
			`{"id":"A0","audioUrl":"https://cdn.example/0.mp3"},{"id":"A1","audioUrl":"` + audio + `","sourceAudioUrl":"",` +
			`"sourceImageUrl":"https://cdn.example/1.jpeg"}]}}}`
	}
	for _, tc := range []struct {
		name       string
		status     int
		header     string
		body       string
		want       mvgen.Code // "" means found
		msg        string
		retryAfter time.Duration
	}{
		{"found", 200, "", track("SUCCESS", "https://cdn.example/1.mp3"), "", "", 0},
		{"callback exception upstream is finished", 200, "", track("CALLBACK_EXCEPTION", "https://cdn.example/1.mp3"), "", "", 0},
		{"source audio only", 200, "", strings.Replace(track("SUCCESS", ""), `"sourceAudioUrl":""`, `"sourceAudioUrl":"https://cdn.example/s.mp3"`, 1), "", "", 0},
		{"pending", 200, "", track("PENDING", ""), mvgen.EConflict, `music task "T" is not finished upstream (status PENDING); retry generate when it is SUCCESS`, 0},
		{"first success, this track not yet", 200, "", track("FIRST_SUCCESS", ""), mvgen.EConflict, "status FIRST_SUCCESS", 0},
		{"success without audio", 200, "", track("SUCCESS", ""), mvgen.EConflict, "retry generate", 0},
		{"failed upstream", 200, "", track("GENERATE_AUDIO_FAILED", ""), mvgen.EInvalid, "failed upstream (GENERATE_AUDIO_FAILED)", 0},
		{"sensitive words", 200, "", track("SENSITIVE_WORD_ERROR", ""), mvgen.EInvalid, "no audio", 0},
		{"no such track", 200, "", strings.Replace(track("SUCCESS", "x"), `"A1"`, `"B1"`, 1), mvgen.ENotFound, `no track with audioId "A1" in taskId "T"`, 0},
		{"no such task, code 400", 200, "", `{"code":400,"msg":"taskId is invalid","data":null}`, mvgen.ENotFound, `no music task "T"`, 0},
		{"no such task, code 404", 200, "", `{"code":404,"msg":"not found","data":null}`, mvgen.ENotFound, `no music task "T"`, 0},
		{"no such task, null data", 200, "", `{` + ok + `,"data":null}`, mvgen.ENotFound, `no music task "T"`, 0},
		{"refused, HTTP 401", 401, "", `{"code":401,"msg":"Unauthorized","data":null}`, mvgen.EForbidden, "refused this API key's upstream key", 0},
		{"refused, HTTP 403 bare", 403, "", `forbidden`, mvgen.EForbidden, "mvgen keys set-upstream", 0},
		{"refused, code 401", 200, "", `{"code":401,"msg":"Unauthorized","data":null}`, mvgen.EForbidden, "refused", 0},
		{"HTTP 503 with Retry-After", 503, "7", `{"code":500}`, mvgen.EUnavailable, "unavailable (HTTP 503); retry in 7 seconds", 7 * time.Second},
		{"HTTP 500", 500, "", `oops`, mvgen.EUnavailable, "retry in 15 seconds", DefaultRetryAfter},
		{"HTTP 429", 429, "30", `{}`, mvgen.EUnavailable, "retry in 30 seconds", 30 * time.Second},
		{"maintenance, code 455", 200, "", `{"code":455,"msg":"System maintenance","data":null}`, mvgen.EUnavailable, "(code 455)", DefaultRetryAfter},
		{"call frequency, code 430", 200, "", `{"code":430,"msg":"too frequent","data":null}`, mvgen.EUnavailable, "(code 430)", DefaultRetryAfter},
		{"not the envelope", 200, "", `<html>nginx</html>`, mvgen.EUnavailable, "something other than record-info", DefaultRetryAfter},
		{"wrong URL answers 404 page", 404, "", `404 page not found`, mvgen.EUnavailable, "something other than record-info", DefaultRetryAfter},
		{"unreadable data", 200, "", `{` + ok + `,"data":{"taskId":5}}`, mvgen.EUnavailable, "unreadable", DefaultRetryAfter},
		{"redirect is not followed", 302, "", ``, mvgen.EUnavailable, "something other than record-info", DefaultRetryAfter},
		{"too large", 200, "", `{` + ok + `,"data":{"taskId":"` + strings.Repeat("x", 2000) + `"}}`, mvgen.EUnavailable, "too large", DefaultRetryAfter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "http://127.0.0.2/elsewhere")
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL, MaxBodyBytes: 1000}
			tr, err := c.Track(context.Background(), "sk-secret-upstream", "T", "A1")
			if tc.want == "" {
				if err != nil || tr.ID != "A1" || tr.MusicIndex != 1 || tr.Audio() == "" || tr.Image() != "https://cdn.example/1.jpeg" {
					t.Fatalf("Track = %+v, %v; want track A1 at index 1 with audio and the source image", tr, err)
				}
				return
			}
			assertError(t, err, tc.want, tc.msg, tc.retryAfter)
		})
	}
}

func assertError(t *testing.T, err error, code mvgen.Code, msg string, retryAfter time.Duration) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *upstream.Error", err, err)
	}
	if got := mvgen.ErrorCode(err); got != code {
		t.Errorf("code = %s, want %s (error %v)", got, code, err)
	}
	if got := mvgen.ErrorMessage(err); !strings.Contains(got, msg) {
		t.Errorf("message = %q, want it to contain %q", got, msg)
	}
	if e.RetryAfter != retryAfter {
		t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, retryAfter)
	}
	if strings.Contains(err.Error(), "sk-secret-upstream") {
		t.Errorf("error %q contains the upstream key", err)
	}
}

// TestTimeout: an upstream that never answers is a retryable error after
// Client.Timeout, not a hang.
func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &Client{BaseURL: srv.URL, Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := c.Track(context.Background(), "sk-secret-upstream", "T", "A")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("lookup took %v, want about the 200ms timeout", elapsed)
	}
	assertError(t, err, mvgen.EUnavailable, "did not answer within 200ms", DefaultRetryAfter)
}

// TestUnreachable: nothing listening is a retryable error.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := (&Client{BaseURL: url}).Track(context.Background(), "sk-secret-upstream", "T", "A")
	assertError(t, err, mvgen.EUnavailable, "cannot be reached", DefaultRetryAfter)
}

// TestCallerGone: a caller that went away gets its context's error, not an
// upstream failure.
func TestCallerGone(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := (&Client{BaseURL: srv.URL}).Track(ctx, "k", "T", "A")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the caller's context.DeadlineExceeded", err)
	}
}

// FuzzParseRecord: any answer is a record or an *Error, never a panic, and
// a record's tracks carry their positions.
func FuzzParseRecord(f *testing.F) {
	for _, file := range []string{"testdata/sunoapi-record-info.json", "testdata/kie-record-info.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"code":401,"msg":"Unauthorized","data":null}`))
	f.Add([]byte(`{"code":200,"data":{"taskId":"T","response":{"sunoData":[{},{"id":"x"}]}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec, err := parseRecord("T", "200 OK", body, 0)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Domain == nil || e.Domain.Msg == "" {
				t.Fatalf("error %v (%T) is not an *upstream.Error with a message", err, err)
			}
			return
		}
		for i, tr := range rec.Tracks {
			if tr.MusicIndex != i {
				t.Fatalf("track %d has MusicIndex %d", i, tr.MusicIndex)
			}
		}
	})
}

// TestRetryAfterAgrees (issue 19 item 10): the message's "retry in N
// seconds" is the Retry-After the API sends (RetryAfter rounded up to a
// second): capped at 10 minutes, and a date's fraction of a second counted
// the same way in both.
func TestRetryAfterAgrees(t *testing.T) {
	t.Parallel()
	for _, header := range []string{"7", "600", "601", "99999999",
		time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", header)
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		_, err := (&Client{BaseURL: srv.URL}).Record(context.Background(), "sk-secret-upstream", "T")
		srv.Close()
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Retry-After %s: error %v, want *upstream.Error", header, err)
		}
		seconds := int((e.RetryAfter + time.Second - 1) / time.Second) // as the API's Retry-After
		if want := fmt.Sprintf("retry in %d seconds", seconds); !strings.Contains(e.Domain.Msg, want) {
			t.Errorf("Retry-After %s: message %q, want it to say %q (RetryAfter %v)", header, e.Domain.Msg, want, e.RetryAfter)
		}
		if e.RetryAfter <= 0 || e.RetryAfter > 10*time.Minute {
			t.Errorf("Retry-After %s: RetryAfter %v, want 0 < it ≤ 10m", header, e.RetryAfter)
		}
	}
}
