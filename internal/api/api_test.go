package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/apitest"
	"github.com/mvgen/mvgen/internal/blob"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/task"
)

// TestDrain: while the server drains, generate answers 455 with HTTP 503
// (contract §1) and reads go on.
func TestDrain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateKey(ctx, &task.Key{ID: "k", Name: "k", TokenHash: api.HashToken("tok"),
		WebhookSecret: "whsec_x", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h := (&api.Handler{Store: db, Blobs: &blob.Dir{Root: dir}, Links: &link.Signer{Key: link.NewKey()},
		Guard: &netguard.Guard{}, Logger: slog.New(slog.DiscardHandler)}).Routes()
	srv := httptest.NewServer(h)
	defer srv.Close()

	post := func() (int, int) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/mp4/generate", strings.NewReader(`{"taskId":"m","audioId":"a"}`))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := apitest.Client(t, srv.URL).Do(req) // checked against docs/openapi.yaml
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Code int }
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Code
	}
	if status, code := post(); status != 404 || code != 404 {
		t.Fatalf("before draining: HTTP %d code %d, want 404 (no such track)", status, code)
	}
	h.Drain()
	if status, code := post(); status != 503 || code != 455 {
		t.Errorf("draining: HTTP %d code %d, want HTTP 503 with code 455", status, code)
	}
	resp, err := apitest.Client(t, srv.URL).Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("healthz while draining = %d, want 503", resp.StatusCode)
	}
}
