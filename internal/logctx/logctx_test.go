package logctx_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/logctx"
)

// TestHandler: lines logged with a context carry its request and task ids,
// once, whatever the logger already names.
func TestHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(logctx.NewHandler(slog.NewTextHandler(&buf, nil)))
	ctx := logctx.WithTask(logctx.WithRequestID(context.Background(), "r1"), "t1")
	for _, tc := range []struct {
		name string
		log  func()
		want string
	}{
		{"both from the context", func() { log.InfoContext(ctx, "a") }, "msg=a request=r1 task=t1"},
		{"task named by With", func() { log.With("task", "t9").InfoContext(ctx, "b") }, "msg=b task=t9 request=r1"},
		{"task named on the line", func() { log.InfoContext(ctx, "c", "task", "t8") }, "msg=c task=t8 request=r1"},
		{"no context", func() { log.Info("d") }, "msg=d"},
		{"request only", func() { log.InfoContext(logctx.WithRequestID(context.Background(), "r2"), "e") }, "msg=e request=r2"},
	} {
		buf.Reset()
		tc.log()
		line := strings.TrimSpace(buf.String())
		if _, rest, _ := strings.Cut(line, "INFO "); rest != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, rest, tc.want)
		}
	}
	if h := logctx.NewHandler(log.Handler()); h != log.Handler() {
		t.Error("wrapping a logctx handler again wrapped it twice")
	}
}

// TestMiddleware: the request id is the client's when usable, a new one
// otherwise, echoed in the answer, and the access line names it and the
// task a handler set.
func TestMiddleware(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	mux := http.NewServeMux()
	var seen string
	mux.HandleFunc("POST /tasks", func(w http.ResponseWriter, r *http.Request) {
		seen = logctx.RequestID(r.Context())
		logctx.SetTask(r.Context(), "t42")
		w.WriteHeader(201)
	})
	h := logctx.Middleware(log, mux)
	for _, tc := range []struct {
		sent    string
		keep    bool
		wantLen int
	}{
		{"client-id.1:2_3", true, 15},
		{"", false, 16},
		{"has space", false, 16},
		{strings.Repeat("a", 129), false, 16},
		{`quote"inject`, false, 16},
	} {
		buf.Reset()
		r := httptest.NewRequest(http.MethodPost, "/tasks", nil)
		if tc.sent != "" {
			r.Header.Set(logctx.Header, tc.sent)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		got := rec.Header().Get(logctx.Header)
		if (got == tc.sent) != tc.keep || len(got) != tc.wantLen || seen != got {
			t.Errorf("sent %q: answered %q, handler saw %q; want kept=%v, %d bytes, the same in both", tc.sent, got, seen, tc.keep, tc.wantLen)
		}
		want := `msg="http request" method=POST route="POST /tasks" path=/tasks status=201`
		line := buf.String()
		if !strings.Contains(line, want) || !strings.Contains(line, "request="+got+" task=t42") {
			t.Errorf("access line %q, want %q with request=%s task=t42", line, want, got)
		}
	}
}
