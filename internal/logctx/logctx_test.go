package logctx_test

import (
	"bytes"
	"context"
	"log/slog"
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
