package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   int
	}{
		{"body only", func(w http.ResponseWriter) { w.Write([]byte("hi")) }, 200},
		{"status", func(w http.ResponseWriter) { w.WriteHeader(404) }, 404},
		{"the first status", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503},
		{"status after the body", func(w http.ResponseWriter) { w.Write([]byte("x")); w.WriteHeader(500) }, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := Record(httptest.NewRecorder())
			tc.answer(rec)
			if rec.Status != tc.want {
				t.Errorf("Status %d, want %d", rec.Status, tc.want)
			}
		})
	}
	outer := Record(httptest.NewRecorder())
	if Record(outer) != outer {
		t.Error("Record wrapped a *Recorder again, want it shared")
	}
	if _, ok := Record(outer).Unwrap().(*httptest.ResponseRecorder); !ok {
		t.Error("Unwrap does not reach the writer underneath")
	}
}
