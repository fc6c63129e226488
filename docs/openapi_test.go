package docs_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mvgen/mvgen/docs"
)

// TestOpenAPIJSONIsTheYAML: the JSON form holds exactly what openapi.yaml
// says, in its order.
func TestOpenAPIJSONIsTheYAML(t *testing.T) {
	t.Parallel()
	js, err := docs.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(js, &fromJSON); err != nil {
		t.Fatalf("OpenAPIJSON is not JSON: %v", err)
	}
	var y any
	if err := yaml.Unmarshal(docs.OpenAPIYAML, &y); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	b, err := json.Marshal(y) // YAML's numbers and maps as JSON has them
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &fromYAML)
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		t.Errorf("OpenAPIJSON differs from openapi.yaml")
	}
	if want := "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {"; !bytes.HasPrefix(js, []byte(want)) {
		t.Errorf("OpenAPIJSON starts %q, want %q (the YAML's order)", js[:min(len(js), 40)], want)
	}
	if bytes.Contains(js, []byte(`\u003c`)) || bytes.Contains(js, []byte(`\u0026`)) {
		t.Errorf("OpenAPIJSON escapes < or &; want them as written")
	}
}

// TestOpenAPIHandler serves each form with its media type.
func TestOpenAPIHandler(t *testing.T) {
	t.Parallel()
	js, err := docs.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, ctype string
		body        []byte
	}{
		{"/openapi.json", "application/json", js},
		{"/openapi.yaml", "application/yaml", docs.OpenAPIYAML},
	} {
		rec := httptest.NewRecorder()
		docs.OpenAPIHandler().ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.ctype || !bytes.Equal(body, tc.body) {
			t.Errorf("GET %s = %d %q, %d bytes; want 200 %q with the document (%d bytes)",
				tc.path, rec.Code, rec.Header().Get("Content-Type"), len(body), tc.ctype, len(tc.body))
		}
	}
}
