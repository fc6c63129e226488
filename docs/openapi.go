// Package docs carries the documents mvgen serves about itself: the OpenAPI
// 3.1 description of its HTTP API (openapi.yaml), embedded in the binary so
// that every server describes exactly the API it runs.
package docs

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// OpenAPIYAML is openapi.yaml as written: the machine-readable contract of
// mvgen's HTTP API and its callback.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return yamlToJSON(OpenAPIYAML) })

// OpenAPIJSON returns the OpenAPI document converted to indented JSON, its
// keys in the order openapi.yaml gives them.
func OpenAPIJSON() ([]byte, error) { return openAPIJSON() }

// OpenAPIHandler serves the OpenAPI document without authentication: as JSON
// at any path ending in ".json" (mvgen mounts it at GET /openapi.json) and as
// YAML otherwise (GET /openapi.yaml).
func OpenAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ctype := OpenAPIYAML, "application/yaml"
		if strings.HasSuffix(r.URL.Path, ".json") {
			b, err := OpenAPIJSON()
			if err != nil { // only a broken openapi.yaml, which the tests refuse
				http.Error(w, "the OpenAPI document is broken: "+err.Error(), http.StatusInternalServerError)
				return
			}
			body, ctype = b, "application/json"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(body)
	})
}

// yamlToJSON converts a YAML document to JSON, keeping the order of keys.
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parsing openapi.yaml: %w", err)
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &doc); err != nil {
		return nil, fmt.Errorf("converting openapi.yaml to JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("converting openapi.yaml to JSON: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// writeJSON writes the JSON form of a YAML node.
func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: want one YAML document, got %d", n.Line, len(n.Content))
		}
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a JSON object key must be a scalar", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			// JSON keys are strings, whatever YAML resolved them to.
			if err := writeValue(buf, k.Value); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, v := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		if err := writeValue(buf, v); err != nil {
			return fmt.Errorf("line %d: %q has no JSON form: %w", n.Line, n.Value, err)
		}
	default:
		return fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
	}
	return nil
}

// writeValue writes v as JSON without escaping "<", ">" and "&", which the
// document's prose uses.
func writeValue(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
