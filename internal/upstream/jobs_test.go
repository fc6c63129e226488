package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// TestJobsDocumentedExample parses kie.ai's documented recordInfo answer as
// it is: an image model's record, so a finished task without songs.
func TestJobsDocumentedExample(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/kie-jobs-record-info.json")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := parseJobRecord("task_12345678", "200 OK", body, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rec.TaskID != "task_12345678" || rec.Status != JobsSuccess || !rec.Jobs || len(rec.Tracks) != 0 {
		t.Errorf("record = %+v, want task_12345678 in state success without tracks", rec)
	}
}

// TestJobsFallback: a music task the older record-info does not know is
// read on the jobs API's recordInfo, its songs from resultJson (the
// documented snake_case song), and every answer maps to its error.
func TestJobsFallback(t *testing.T) {
	t.Parallel()
	song, err := os.ReadFile("testdata/kie-music-callback.json")
	if err != nil {
		t.Fatal(err)
	}
	// The documented callback's songs, as a jobs resultJson string.
	songs := string(song)[strings.Index(string(song), `"data": [`)+len(`"data": `):]
	songs = songs[:strings.LastIndex(songs, "]")+1]
	resultJSON := strings.NewReplacer(`"`, `\"`, "\n", "").Replace(`{"data":` + songs + `}`)
	record := func(state, result string) string {
		return `{"code":200,"message":"success","data":{"taskId":"T","model":"ai-music-api/generate","state":"` + state +
			`","param":"{}","resultJson":"` + result + `","failCode":"","failMsg":""}}`
	}
	const oldUnknown = `{"code":400,"msg":"taskId not found","data":null}`
	for _, tc := range []struct {
		name     string
		old      string // the older record-info's answer
		jobs     string // recordInfo's answer
		jobsHTTP int
		want     mvgen.Code // "" means found
		msg      string
	}{
		{"found", oldUnknown, record("success", resultJSON), 200, "", ""},
		{"generating", oldUnknown, record("generating", ""), 200, mvgen.EConflict, `(status generating); retry generate when it is success`},
		{"failed", oldUnknown, record("fail", ""), 200, mvgen.EInvalid, `failed upstream (fail)`},
		{"unknown to both", oldUnknown, `{"code":404,"message":"task not found","data":null}`, 200, mvgen.ENotFound, `no track with audioId`},
		{"no jobs API upstream", oldUnknown, `<html>404</html>`, 404, mvgen.ENotFound, `no track with audioId`},
		{"jobs refused", oldUnknown, `{"code":401,"message":"Unauthorized","data":null}`, 200, mvgen.EForbidden, "refused"},
		{"jobs unavailable", oldUnknown, `{"code":455,"message":"maintenance","data":null}`, 200, mvgen.EUnavailable, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				paths = append(paths, r.URL.Path+"?"+r.URL.RawQuery)
				if r.Header.Get("Authorization") != "Bearer sk" {
					t.Errorf("Authorization %q", r.Header.Get("Authorization"))
				}
				if r.URL.Path == "/api/v1/jobs/recordInfo" {
					w.WriteHeader(tc.jobsHTTP)
					w.Write([]byte(tc.jobs))
					return
				}
				w.Write([]byte(tc.old))
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL}
			tr, err := c.Track(context.Background(), "sk", "T", "e231****-****-****-****-****8cadc7dc")
			if len(paths) != 2 || paths[0] != "/api/v1/generate/record-info?taskId=T" || paths[1] != "/api/v1/jobs/recordInfo?taskId=T" {
				t.Errorf("requests = %q, want record-info then jobs recordInfo", paths)
			}
			if tc.want == "" {
				want := Track{ID: "e231****-****-****-****-****8cadc7dc", AudioURL: "https://example.cn/****.mp3",
					StreamAudioURL: "https://example.cn/****", ImageURL: "https://example.cn/****.jpeg", Title: "Iron Man",
					Tags: "electrifying, rock", Duration: 198.44}
				if err != nil || *tr != want {
					t.Errorf("Track = %+v, %v; want %+v", tr, err, want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Domain.Code != tc.want || !strings.Contains(e.Domain.Msg, tc.msg) {
				t.Errorf("Track error = %v, want %s with %q", err, tc.want, tc.msg)
			}
		})
	}
}

// FuzzParseJobRecord: any jobs recordInfo answer is a record or an *Error,
// never a panic, and a record's tracks carry their positions.
func FuzzParseJobRecord(f *testing.F) {
	b, err := os.ReadFile("testdata/kie-jobs-record-info.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, "200 OK")
	f.Add([]byte(`{"code":200,"message":"success","data":{"taskId":"T","state":"success","resultJson":"{\"data\":[{\"id\":\"a\"},{}]}"}}`), "200 OK")
	f.Add([]byte(`{"code":200,"data":{"taskId":"T","state":"success","resultJson":{"data":[{"id":"a"}]}}}`), "200 OK")
	f.Add([]byte(`<html>404</html>`), "404 Not Found")
	f.Add([]byte(`{"code":404,"message":"task not found","data":null}`), "200 OK")
	f.Fuzz(func(t *testing.T, body []byte, status string) {
		rec, err := parseJobRecord("T", status, body, 0)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Domain == nil || e.Domain.Msg == "" {
				t.Fatalf("error %v (%T) is not an *upstream.Error with a message", err, err)
			}
			return
		}
		if !rec.Jobs {
			t.Fatal("a jobs record without Jobs set")
		}
		for i, tr := range rec.Tracks {
			if tr.MusicIndex != i {
				t.Fatalf("track %d has MusicIndex %d", i, tr.MusicIndex)
			}
		}
	})
}
