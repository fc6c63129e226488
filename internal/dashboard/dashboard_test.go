package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/dashboard"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// TestHandler: the page and its files are served with their types, the
// security headers and an ETag that answers 304; anything else is 404.
func TestHandler(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", dashboard.Handler())
	mux.Handle("GET /ui/", dashboard.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		path, contentType, contains string
		status                      int
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/ui/app.js">`, 200},
		{"/ui/app.js", "text/javascript; charset=utf-8", `from "./api.js"`, 200},
		{"/ui/api.js", "text/javascript; charset=utf-8", "sessionStorage", 200},
		{"/ui/style.css", "text/css; charset=utf-8", ":root", 200},
		{"/ui/index.html", "text/plain; charset=utf-8", "no such file", 404},
		{"/ui/missing.js", "text/plain; charset=utf-8", "no such file", 404},
		{"/ui/", "text/plain; charset=utf-8", "no such file", 404},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.contentType || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: %d %q, body has %q: %v; want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"),
				tt.contains, strings.Contains(string(body), tt.contains), tt.status, tt.contentType)
		}
		if tt.status != 200 {
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q, want scripts and connections from the origin only", tt.path, csp)
		}
		etag := resp.Header.Get("ETag")
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		req.Header.Set("If-None-Match", etag)
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if etag == "" || again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %q: %d, want 304", tt.path, etag, again.StatusCode)
		}
	}
}

// TestNoRemoteAssets: every file the page loads comes from mvgen itself.
func TestNoRemoteAssets(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(dashboard.Handler())
	defer srv.Close()
	for _, path := range []string{"/", "/ui/app.js", "/ui/api.js", "/ui/style.css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, remote := range []string{`src="http`, `href="http`, `src="//`, `href="//`, "url(http", "url(//", `from "http`, "@import"} {
			if strings.Contains(string(body), remote) {
				t.Errorf("%s mentions %q: every asset must be served by mvgen", path, remote)
			}
		}
	}
}

// TestThemePicker: the form's picker offers every theme the renderer
// draws, each with its preview (made by scripts/themes.sh), and no other.
func TestThemePicker(t *testing.T) {
	srv := httptest.NewServer(dashboard.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, page := get("/")
	offered := regexp.MustCompile(`<input type="radio" name="theme" value="([a-z]+)"`).FindAllStringSubmatch(page, -1)
	if len(offered) != len(mvgen.Themes) {
		t.Errorf("the picker offers %d themes, the renderer draws %d (%v)", len(offered), len(mvgen.Themes), mvgen.Themes)
	}
	for i, th := range mvgen.Themes {
		if i < len(offered) && offered[i][1] != string(th) {
			t.Errorf("picker's theme %d is %q, want %q (mvgen.Themes' order)", i, offered[i][1], th)
		}
		if !strings.Contains(page, `src="/ui/themes/`+string(th)+`.jpg"`) {
			t.Errorf("theme %s has no preview in the picker", th)
		}
		if code, body := get("/ui/themes/" + string(th) + ".jpg"); code != 200 || !strings.HasPrefix(body, "\xff\xd8") {
			t.Errorf("preview of %s: %d, %d bytes; want a JPEG (run ./scripts/themes.sh)", th, code, len(body))
		}
	}
}
