package api_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/docs"
	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/api/apitest"
)

// TestRoutesDocumented: every route the handler registers is an operation
// of docs/openapi.yaml and every operation is a registered route. The routes
// are read from the package's source: each Handle/HandleFunc call with a
// "METHOD /path" pattern ("/" alone is the catch-all 404).
func TestRoutesDocumented(t *testing.T) {
	t.Parallel()
	registered := sourceRoutes(t)
	v, err := apitest.Default()
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range v.Document().Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(documented)
	if len(registered) < 8 {
		t.Fatalf("found %d routes in the source (%q); the parser no longer sees Routes()", len(registered), registered)
	}
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %q is registered but not in docs/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		// A GET pattern of net/http also serves HEAD.
		get, isHead := strings.CutPrefix(d, "HEAD ")
		if !slices.Contains(registered, d) && !(isHead && slices.Contains(registered, "GET "+get)) {
			t.Errorf("docs/openapi.yaml has %q, which no route serves", d)
		}
	}
}

// sourceRoutes returns the "METHOD /path" patterns the package registers.
func sourceRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, _ := strconv.Unquote(lit.Value)
			if method, path, ok := strings.Cut(pattern, " "); ok {
				routes = append(routes, method+" "+path)
			} else if pattern != "/" {
				t.Errorf("%s: route %q has no method; the document lists operations per method", fset.Position(lit.Pos()), pattern)
			}
			return true
		})
	}
	slices.Sort(routes)
	return routes
}

// TestOpenAPIServed: /openapi.json and /openapi.yaml answer the document
// without an API key, and what they serve loads as a valid OpenAPI 3.1
// document (docs tests that the JSON holds what the YAML says).
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newHandler(t))
	defer srv.Close()
	js, err := docs.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, ctype string
		want        []byte
	}{
		{"/openapi.json", "application/json", js},
		{"/openapi.yaml", "application/yaml", docs.OpenAPIYAML},
	} {
		resp, err := apitest.Client(t, srv.URL).Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !bytes.Equal(body, tc.want) {
			t.Errorf("GET %s = %s %q, %d bytes; want 200 %q with the document", tc.path, resp.Status, resp.Header.Get("Content-Type"), len(body), tc.ctype)
		}
		if _, err := apitest.New(body); err != nil {
			t.Errorf("GET %s: the served document does not load: %v", tc.path, err)
		}
	}
}

// newHandler is the API over a fresh SQLite database and directory.
func newHandler(t *testing.T) *api.Handler {
	t.Helper()
	return newFixture(t).h
}
