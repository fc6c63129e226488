// Package apitest checks HTTP traffic against mvgen's OpenAPI document
// (docs/openapi.yaml), so that a test fails as soon as the server and the
// document disagree. Route a test's *http.Client through [Client] (or wrap
// a handler with [Handler]) and every request it makes and every answer it
// gets is validated with kin-openapi's openapi3filter.
//
// The rules, beyond "every answer matches the document":
//   - an answer's status must be documented for its operation;
//   - a request the document forbids may be sent (tests send bad input on
//     purpose) but must not be answered 2xx: the server would then accept
//     more than the document says;
//   - a path the document does not list must be answered with the
//     envelope's 404, the documented answer to unknown routes.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/mvgen/mvgen/docs"
)

// Validator checks exchanges against one OpenAPI document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

var shared = sync.OnceValues(func() (*Validator, error) { return New(docs.OpenAPIYAML) })

// Default returns the validator of docs/openapi.yaml, loaded once.
func Default() (*Validator, error) { return shared() }

// New loads and validates an OpenAPI document (YAML or JSON).
func New(document []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the OpenAPI document: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Document is the loaded document.
func (v *Validator) Document() *openapi3.T { return v.doc }

// Exchange is one request and its answer, bodies read.
type Exchange struct {
	Request     *http.Request
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Check validates one exchange against the document; the error says what
// differs, naming the request.
func (v *Validator) Check(ctx context.Context, x Exchange) error {
	name := fmt.Sprintf("%s %s answered %d", x.Request.Method, x.Request.URL.RequestURI(), x.Status)
	route, params, err := v.router.FindRoute(withBody(x.Request, x.RequestBody))
	if err != nil {
		if x.Status == http.StatusNotFound && v.isEnvelope404(ctx, x.Header, x.Body) {
			return nil // the documented answer to a route the document lacks
		}
		return fmt.Errorf("openapi: %s: the route is not in the document (%v), and the answer is not the envelope's 404", name, err)
	}
	if route.Operation.Responses.Status(x.Status) == nil && route.Operation.Responses.Default() == nil {
		return fmt.Errorf("openapi: %s: status %d is not documented for %s %s", name, x.Status, route.Method, route.Path)
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    withBody(x.Request, x.RequestBody),
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:    bearer,
			SkipSettingDefaults:   true,
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && x.Status >= 200 && x.Status < 300 {
		return fmt.Errorf("openapi: %s, but the document forbids the request: %v", name, err)
	}
	in.Request = withBody(x.Request, x.RequestBody)
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 x.Status,
		Header:                 x.Header,
		Options:                in.Options,
	}
	out.SetBodyBytes(x.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("openapi: %s, which the document does not allow: %v\nbody: %s", name, err, clip(x.Body))
	}
	return nil
}

// CheckCallback validates a callback request as a receiver got it against
// the document's webhook for its body: jobDone for the jobs envelope (its
// data has taskId), videoDone otherwise; headers and body.
func (v *Validator) CheckCallback(ctx context.Context, r *http.Request, body []byte) error {
	name := "videoDone"
	var probe struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.Data["taskId"] != nil {
		name = "jobDone"
	}
	item := v.doc.Webhooks[name]
	if item == nil || item.Post == nil {
		return fmt.Errorf("openapi: the document has no POST webhook %s", name)
	}
	route := &routers.Route{Spec: v.doc, PathItem: item, Method: http.MethodPost, Operation: item.Post}
	err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request: withBody(r, body), Route: route,
		Options: &openapi3filter.Options{SkipSettingDefaults: true, MultiError: true},
	})
	if err != nil {
		return fmt.Errorf("openapi: the callback to %s does not match the document's webhook: %v\nbody: %s", r.URL, err, clip(body))
	}
	return nil
}

// isEnvelope404 reports whether an answer is the envelope with code 404.
func (v *Validator) isEnvelope404(ctx context.Context, h http.Header, body []byte) bool {
	s := v.doc.Components.Schemas["Error404"]
	if s == nil || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		return false
	}
	var value any
	if json.Unmarshal(body, &value) != nil {
		return false
	}
	return s.Value.VisitJSON(value, openapi3.EnableJSONSchema2020()) == nil
}

// bearer is the document's only security scheme: a non-empty Bearer token.
// Whether the token is known is the server's business (401).
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	token, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return errors.New("no Authorization: Bearer <key> header")
	}
	return nil
}

// withBody is a shallow copy of r reading body.
func withBody(r *http.Request, body []byte) *http.Request {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

func clip(b []byte) string {
	if len(b) > 512 {
		return string(b[:512]) + "…"
	}
	return string(b)
}

// Transport is an http.RoundTripper that checks every exchange with one
// server against the document.
type Transport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Host is the host:port whose exchanges are checked; others (for
	// example the object storage a video link redirects to) pass through.
	// Empty checks every exchange.
	Host string
	// Validator checks; nil means Default().
	Validator *Validator
	// Report receives every mismatch and must be safe for concurrent use;
	// the answer is then returned unchanged. Nil makes RoundTrip fail with
	// the mismatch instead.
	Report func(error)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.Host != "" && req.URL.Host != t.Host {
		return base.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("apitest: reading the request body: %w", err)
		}
		reqBody = b
		req = withBody(req, b)
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("apitest: reading the answer to %s %s: %w", req.Method, req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	v := t.Validator
	if v == nil {
		v, err = Default()
	}
	if err == nil {
		err = v.Check(req.Context(), Exchange{Request: req, RequestBody: reqBody, Status: resp.StatusCode, Header: resp.Header, Body: body})
	}
	switch {
	case err == nil:
	case t.Report == nil:
		return nil, err
	default:
		t.Report(err)
	}
	return resp, nil
}

// Client returns an *http.Client whose exchanges with the server at base
// (a URL such as httptest.Server.URL) are checked against the document; a
// mismatch fails t. It follows redirects like http.DefaultClient.
func Client(t testing.TB, base string) *http.Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("apitest: base URL %q: %v", base, err)
	}
	if _, err := Default(); err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &Transport{Host: u.Host, Report: func(err error) { t.Error(err) }}}
}

// Handler wraps h so that every exchange it serves is checked against the
// document; a mismatch fails t.
func Handler(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqBody []byte
		if r.Body != nil {
			reqBody, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if err := v.Check(r.Context(), Exchange{Request: r, RequestBody: reqBody, Status: rec.status, Header: w.Header(), Body: rec.body.Bytes()}); err != nil {
			t.Error(err)
		}
	})
}

// recorder passes an answer through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// CheckCallback checks a callback a test's receiver got against the
// document's webhook; a mismatch fails t. r's body must already be read
// into body.
func CheckCallback(t testing.TB, r *http.Request, body []byte) {
	t.Helper()
	v, err := Default()
	if err == nil {
		err = v.CheckCallback(r.Context(), r, body)
	}
	if err != nil { // t.Error, not t.Fatal: receivers run on their own goroutines
		t.Error(err)
	}
}
