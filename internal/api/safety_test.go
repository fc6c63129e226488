package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// newTestAPI serves the API over loopback on SQLite and a Dir under a
// fresh directory, with one key whose token is "tok".
func newTestAPI(t *testing.T) (srv *httptest.Server, files string) {
	t.Helper()
	f := newFixture(t)
	if err := f.db.CreateKey(context.Background(), &mvgen.Key{ID: "k", Name: "k", TokenHash: mvgen.HashToken("tok"),
		WebhookSecret: "whsec_x", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return f.srv, f.files
}

// TestBearerScheme: the auth scheme is case-insensitive (RFC 9110 §11.1);
// anything but Bearer with a token is 401.
func TestBearerScheme(t *testing.T) {
	t.Parallel()
	srv, _ := newTestAPI(t)
	tests := []struct {
		header string
		want   int
	}{
		{"Bearer tok", 200},
		{"bearer tok", 200},
		{"BEARER tok", 200},
		{"BeArEr  tok ", 200},
		{"Basic tok", 401},
		{"Bearertok", 401},
		{"Bearer ", 401},
		{"tok", 401},
		{"", 401},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/tracks?taskId=none", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code int }
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		// A known key reaches the handler: 404 for the unknown music task.
		got := e.Code
		if got == 404 {
			got = 200
		}
		if got != tt.want {
			t.Errorf("Authorization %q: got code %d, want %d", tt.header, e.Code, tt.want)
		}
	}
}

// TestFailedUploadLeavesNothing: uploads refused for an empty or oversize
// part or a missing audio leave no file and no sources/<id>/ directory.
func TestFailedUploadLeavesNothing(t *testing.T) {
	t.Parallel()
	srv, files := newTestAPI(t)
	tests := []struct {
		name  string
		parts map[string][]byte
		want  int
	}{
		{"empty audio", map[string][]byte{"audio": nil}, 422},
		{"empty cover", map[string][]byte{"audio": []byte("abc"), "cover": nil}, 422},
		{"oversize cover", map[string][]byte{"audio": []byte("abc"), "cover": make([]byte, api.DefaultMaxCoverBytes+1)}, 413},
		{"cover without audio", map[string][]byte{"cover": []byte("png")}, 422},
		{"title too long", map[string][]byte{"audio": []byte("abc"), "title": bytes.Repeat([]byte("é"), 201)}, 422},
	}
	for _, tt := range tests {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, name := range []string{"audio", "cover", "title"} {
			if data, ok := tt.parts[name]; ok {
				var w interface{ Write([]byte) (int, error) }
				if name == "title" {
					w, _ = mw.CreateFormField(name)
				} else {
					w, _ = mw.CreateFormFile(name, name+".bin")
				}
				w.Write(data)
			}
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/tracks", &body)
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code int }
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if e.Code != tt.want {
			t.Errorf("%s: got code %d, want %d", tt.name, e.Code, tt.want)
		}
		entries, _ := os.ReadDir(filepath.Join(files, "sources"))
		for _, d := range entries {
			t.Errorf("%s: left sources/%s", tt.name, d.Name())
			os.RemoveAll(filepath.Join(files, "sources", d.Name()))
		}
	}
}
