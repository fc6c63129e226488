package apitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/webhook"
)

const (
	taskID = "0f8e3c2b9a7d4e6f8a1b2c3d4e5f6a7b"
	record = `{"taskId":"` + taskID + `","musicId":"a","audioId":"a","musicIndex":0,"callbackUrl":null,
		"successFlag":"PENDING","response":{"videoUrl":null},"createTime":"2026-01-01 00:00:00",
		"completeTime":null,"errorCode":null,"errorMessage":null,"progress":%s,"author":"","domainName":"",
		"expireTime":null,"callback":{"attempts":0,"lastStatus":null,"lastError":null,"lastAttemptTime":null}}`
)

// answer is a canned answer of the server under test.
type answer struct {
	status int
	ctype  string
	body   string
}

// TestTransportCatchesDeviations: a server that answers what the document
// does not allow fails the check, and one that keeps it passes.
func TestTransportCatchesDeviations(t *testing.T) {
	t.Parallel()
	generate := `{"taskId":"m","audioId":"a"}`
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		auth    bool
		body    string
		answer  answer
		wantErr string // "" when the exchange keeps the document
	}{
		{"record-info as documented", "GET", "/api/v1/mp4/record-info?taskId=" + taskID, true, "",
			answer{200, "application/json", `{"code":200,"msg":"success","data":` + fmt.Sprintf(record, "50") + `}`}, ""},
		{"progress of the wrong type", "GET", "/api/v1/mp4/record-info?taskId=" + taskID, true, "",
			answer{200, "application/json", `{"code":200,"msg":"success","data":` + fmt.Sprintf(record, `"fifty"`) + `}`}, "progress"},
		{"a field missing", "GET", "/api/v1/mp4/record-info?taskId=" + taskID, true, "",
			answer{200, "application/json", `{"code":200,"msg":"success","data":{"taskId":"` + taskID + `"}}`}, "missing"},
		{"generate as documented", "POST", "/api/v1/mp4/generate", true, generate,
			answer{200, "application/json", `{"code":200,"msg":"success","data":{"taskId":"` + taskID + `"}}`}, ""},
		{"taskId a number", "POST", "/api/v1/mp4/generate", true, generate,
			answer{200, "application/json", `{"code":200,"msg":"success","data":{"taskId":42}}`}, "taskId"},
		{"not the envelope", "POST", "/api/v1/mp4/generate", true, generate,
			answer{200, "application/json", `{"taskId":"` + taskID + `"}`}, "code"},
		{"code differs from the HTTP status", "POST", "/api/v1/mp4/generate", true, generate,
			answer{404, "application/json", `{"code":422,"msg":"no","data":null}`}, "code"},
		{"maintenance as HTTP 503", "POST", "/api/v1/mp4/generate", true, generate,
			answer{503, "application/json", `{"code":455,"msg":"draining","data":null}`}, ""},
		{"maintenance as HTTP 455", "POST", "/api/v1/mp4/generate", true, generate,
			answer{455, "application/json", `{"code":455,"msg":"draining","data":null}`}, "not documented"},
		{"an undocumented status", "GET", "/api/v1/tracks?taskId=m", true, "",
			answer{418, "application/json", `{"code":418,"msg":"teapot","data":null}`}, "not documented"},
		{"a forbidden request refused", "POST", "/api/v1/mp4/generate", true, `{"taskId":"m","audioId":"a","aspect":"4:3"}`,
			answer{422, "application/json", `{"code":422,"msg":"aspect: bad","data":null}`}, ""},
		{"a forbidden request accepted", "POST", "/api/v1/mp4/generate", true, `{"taskId":"m","audioId":"a","aspect":"4:3"}`,
			answer{200, "application/json", `{"code":200,"msg":"success","data":{"taskId":"` + taskID + `"}}`}, "forbids the request"},
		{"no key accepted", "GET", "/api/v1/tracks?taskId=m", false, "",
			answer{200, "application/json", `{"code":200,"msg":"success","data":{"taskId":"m","tracks":[]}}`}, "forbids the request"},
		{"no key refused", "GET", "/api/v1/tracks?taskId=m", false, "",
			answer{401, "application/json", `{"code":401,"msg":"missing API key","data":null}`}, ""},
		{"unknown route as the envelope's 404", "GET", "/api/v1/nope", true, "",
			answer{404, "application/json", `{"code":404,"msg":"no route","data":null}`}, ""},
		{"unknown route served", "GET", "/api/v1/nope", true, "",
			answer{200, "application/json", `{"code":200,"msg":"success","data":null}`}, "not in the document"},
		{"healthz", "GET", "/healthz", false, "", answer{200, "text/plain; charset=utf-8", "ok\n"}, ""},
		{"healthz saying something else", "GET", "/healthz", false, "", answer{200, "text/plain; charset=utf-8", "fine\n"}, "healthz"},
		{"a video as JSON", "GET", "/v1/videos/" + taskID + ".mp4?expires=1&sig=x", false, "",
			answer{200, "application/json", `{}`}, "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.answer.ctype)
				w.WriteHeader(tc.answer.status)
				io.WriteString(w, tc.answer.body)
			}))
			defer srv.Close()
			var mu sync.Mutex
			var errs []string
			client := &http.Client{Transport: &apitest.Transport{Report: func(err error) {
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err.Error())
			}}}
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.auth {
				req.Header.Set("Authorization", "Bearer k")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != tc.answer.body {
				t.Errorf("body through the transport = %q, want %q unchanged", got, tc.answer.body)
			}
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("got %d mismatches, want none: %s", len(errs), errs[0])
			case tc.wantErr != "" && len(errs) == 0:
				t.Errorf("got no mismatch, want one mentioning %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(errs[0], tc.wantErr):
				t.Errorf("got mismatch %q, want it to mention %q", errs[0], tc.wantErr)
			}
		})
	}
}

// TestTransportHost: exchanges with other hosts pass unchecked.
func TestTransportHost(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) }))
	defer srv.Close()
	var reported error
	client := &http.Client{Transport: &apitest.Transport{Host: "mvgen.invalid:80", Report: func(err error) { reported = err }}}
	resp, err := client.Get(srv.URL + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if reported != nil {
		t.Errorf("an exchange with another host was checked: %v", reported)
	}
}

// TestTransportWithoutReport: with no Report, a mismatch is the request's
// error.
func TestTransportWithoutReport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) }))
	defer srv.Close()
	client := &http.Client{Transport: &apitest.Transport{}}
	resp, err := client.Get(srv.URL + "/healthz")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET /healthz answered 418: got no error, want the mismatch")
	}
	if !strings.Contains(err.Error(), "status 418 is not documented") {
		t.Errorf("got %v, want it to say status 418 is not documented", err)
	}
}

// recordingTB is a testing.TB that keeps the errors it is given.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprint(args...))
}

// TestHandler: the middleware checks what a handler serves.
func TestHandler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"as documented", "ok\n", false},
		{"deviating", "not ok\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb := &recordingTB{TB: t}
			h := apitest.Handler(tb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				io.WriteString(w, tc.body)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Body.String() != tc.body {
				t.Errorf("served %q, want %q", rec.Body.String(), tc.body)
			}
			if got := len(tb.errs) > 0; got != tc.wantErr {
				t.Errorf("mismatch reported = %v (%q), want %v", got, tb.errs, tc.wantErr)
			}
		})
	}
}

// TestCheckCallback: a callback signed as mvgen signs it keeps the
// document's webhook; one without the legacy headers or with a wrong body
// does not.
func TestCheckCallback(t *testing.T) {
	t.Parallel()
	v, err := apitest.Default()
	if err != nil {
		t.Fatal(err)
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	good := `{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"` + taskID + `","video_url":"https://x/v1/videos/a.mp4?expires=1&sig=s"}}`
	for _, tc := range []struct {
		name    string
		body    string
		drop    string
		wantErr string
	}{
		{"success", good, "", ""},
		{"failure", `{"code":451,"msg":"Source audio file download failed","data":{"task_id":"` + taskID + `","video_url":null}}`, "", ""},
		{"no legacy signature", good, "X-Webhook-Signature", "X-Webhook-Signature"},
		{"no standard signature", good, "webhook-signature", "webhook-signature"},
		{"camelCase body", `{"code":200,"msg":"ok","data":{"taskId":"` + taskID + `","videoUrl":"https://x"}}`, "", "task_id"},
		{"an undocumented code", `{"code":201,"msg":"ok","data":{"task_id":"` + taskID + `","video_url":null}}`, "", "code"},
		{"jobs success", jobsBody(200, "Playground task completed successfully.", "success", `"https://x/v1/videos/a.mp4"`), "", ""},
		{"jobs failure", jobsBody(501, "Playground task failed.", "fail", "null"), "", ""},
		{"jobs without the older fields", strings.Replace(jobsBody(200, "Playground task completed successfully.", "success", `"https://x"`),
			`,"task_id":"`+taskID+`"`, "", 1), "", "task_id"},
		{"jobs with another code", jobsBody(500, "Playground task failed.", "fail", "null"), "", "code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("POST", "http://receiver.test/hook", strings.NewReader(tc.body))
			if err := webhook.SetHeaders(req.Header, "msg_"+taskID, taskID, time.Now(), []byte(tc.body), secret); err != nil {
				t.Fatal(err)
			}
			req.Header.Set("User-Agent", "mvgen-webhook")
			req.Header.Del(tc.drop)
			err := v.CheckCallback(req.Context(), req, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no mismatch", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("got no mismatch, want one mentioning %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("got %v, want a mismatch mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// jobsBody is a callback in the jobs envelope (contract §12).
func jobsBody(code int, msg, state, videoURL string) string {
	return fmt.Sprintf(`{"code":%d,"msg":%q,"data":{"taskId":%q,"model":"ai-music-api/create-music-video","state":%q,`+
		`"param":"{}","resultJson":"","failCode":"","failMsg":"","costTime":1,"completeTime":2,"createTime":1,"updateTime":2,`+
		`"task_id":%q,"video_url":%s}}`, code, msg, taskID, state, taskID, videoURL)
}
