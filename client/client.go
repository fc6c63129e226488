package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of Client's zero fields.
const (
	// DefaultBaseURL is where `mvgen serve` listens unless told otherwise.
	DefaultBaseURL = "http://127.0.0.1:8080"
	// DefaultMaxRetries is how many times a request is repeated after an
	// answer that asks to come back later (429, 455, 503).
	DefaultMaxRetries = 3
	// DefaultMaxRetryWait is the longest Retry-After the client waits for;
	// a longer one is returned to the caller as the error.
	DefaultMaxRetryWait = time.Minute
	// DefaultUserAgent is sent when Client.UserAgent is empty.
	DefaultUserAgent = "mvgen-go-client"
)

// maxEnvelopeBytes caps how much of a JSON answer is read.
const maxEnvelopeBytes = 4 << 20

// Client talks to an mvgen server, or to a hosted service with the same
// music-video endpoints. The zero value talks to DefaultBaseURL without a
// key; set the fields before the first call and do not change them after.
// A Client is safe for concurrent use.
type Client struct {
	// BaseURL is the server's address, e.g. "https://mvgen.example.com".
	// Default DefaultBaseURL. A path (e.g. "https://host/prefix") is kept.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>" on every /api/v1 call;
	// never on downloads of video links, which carry their own signature.
	APIKey string
	// HTTPClient sends the requests. nil means a client with connect, TLS
	// and response-header timeouts but no overall timeout, so long uploads
	// and downloads are bounded only by the caller's context.
	HTTPClient *http.Client
	// UserAgent is sent as User-Agent. Default DefaultUserAgent.
	UserAgent string
	// MaxRetries bounds repeats after 429, 455 and 503 answers (and, for
	// requests that are safe to repeat, network errors). Default
	// DefaultMaxRetries; a negative value turns retries off.
	MaxRetries int
	// MaxRetryWait is the longest Retry-After honoured; an answer asking for
	// a longer wait is returned as the error. Default DefaultMaxRetryWait.
	MaxRetryWait time.Duration
}

// New returns a Client for the server at baseURL that authenticates with
// apiKey.
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: baseURL, APIKey: apiKey}
}

// defaultHTTPClient is shared by every Client without its own.
var defaultHTTPClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ForceAttemptHTTP2:     true,
	MaxIdleConns:          16,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
	ExpectContinueTimeout: time.Second,
}}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return defaultHTTPClient
}

func (c *Client) maxRetries() int {
	switch {
	case c.MaxRetries < 0:
		return 0
	case c.MaxRetries == 0:
		return DefaultMaxRetries
	}
	return c.MaxRetries
}

func (c *Client) maxRetryWait() time.Duration {
	if c.MaxRetryWait > 0 {
		return c.MaxRetryWait
	}
	return DefaultMaxRetryWait
}

func (c *Client) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}

// endpoint joins the base URL and an API path with its query.
func (c *Client) endpoint(path string, query url.Values) string {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u := strings.TrimRight(base, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// call is one API request. body makes a fresh request body for every
// attempt; nil means none.
type call struct {
	method, path string
	query        url.Values
	header       http.Header
	contentType  string
	body         func() (io.Reader, error)
	// retryStatus allows repeating after 429/455/503: the request was not
	// acted on, and its body can be sent again.
	retryStatus bool
	// retryNetwork allows repeating after a network error: repeating the
	// request cannot do anything twice.
	retryNetwork bool
}

// jsonBody returns a body function for v's JSON encoding.
func jsonBody(v any) (func() (io.Reader, error), error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding request: %w", err)
	}
	return func() (io.Reader, error) { return bytes.NewReader(b), nil }, nil
}

// envelope is every JSON answer of the API (contract §1).
type envelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
	// Message is the jobs API's recordInfo's name for msg.
	Message string `json:"message"`
}

// do sends a call, retrying as allowed, and decodes the envelope's data
// into out (when out is not nil).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, cl, out)
		if err == nil {
			return nil
		}
		wait, retry := c.retryAfter(cl, attempt, err)
		if !retry {
			return err
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// retryAfter decides whether a failed attempt is repeated, and after how
// long.
func (c *Client) retryAfter(cl call, attempt int, err error) (time.Duration, bool) {
	if attempt >= c.maxRetries() {
		return 0, false
	}
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr):
		if !cl.retryStatus || !apiErr.temporary() {
			return 0, false
		}
		if apiErr.RetryAfter > 0 {
			return apiErr.RetryAfter, apiErr.RetryAfter <= c.maxRetryWait()
		}
		return backoff(attempt), true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return 0, false
	case errors.Is(err, errDecode):
		return 0, false
	}
	return backoff(attempt), cl.retryNetwork
}

// backoff is the wait before retry attempt+1 when the server named none:
// 0.5s, 1s, 2s, … up to 8s, jittered ±20%.
func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 4)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errDecode marks an answer that arrived but could not be read as the API's
// JSON; it is never retried.
var errDecode = errors.New("decoding answer")

func (c *Client) once(ctx context.Context, cl call, out any) error {
	var body io.Reader
	if cl.body != nil {
		var err error
		if body, err = cl.body(); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.endpoint(cl.path, cl.query), body)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent())
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	resp, err := c.httpClient().Do(req)
	if pr, ok := body.(*io.PipeReader); ok {
		// Ends a multipart writer the transport stopped reading.
		pr.CloseWithError(errRequestDone)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeAnswer(resp, out)
}

// errRequestDone stops a streamed request body once the answer is in.
var errRequestDone = errors.New("request finished")

// decodeAnswer turns an HTTP answer into data or an *Error. The envelope's
// code decides: the hosted services answer errors with HTTP 200 and the
// code only in the body; a code of 0 with a 2xx status (an envelope that
// leaves it out) is success.
func decodeAnswer(resp *http.Response, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxEnvelopeBytes))
	if err != nil {
		return fmt.Errorf("reading answer (HTTP %d): %w", resp.StatusCode, err)
	}
	var env envelope
	if jerr := json.Unmarshal(raw, &env); jerr != nil {
		if resp.StatusCode >= 300 {
			return newError(resp, resp.StatusCode, strings.TrimSpace(firstLine(raw)))
		}
		return fmt.Errorf("%w: HTTP %d answer is not the JSON envelope: %v", errDecode, resp.StatusCode, jerr)
	}
	if env.Msg == "" {
		env.Msg = env.Message
	}
	code := env.Code
	if code == 0 {
		code = resp.StatusCode
	}
	if code != http.StatusOK && !(code >= 200 && code < 300 && env.Code == 0) {
		return newError(resp, code, env.Msg)
	}
	if resp.StatusCode >= 300 {
		return newError(resp, resp.StatusCode, env.Msg)
	}
	if out == nil {
		return nil
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return fmt.Errorf("%w: success without data", errDecode)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("%w: %v", errDecode, err)
	}
	return nil
}

func firstLine(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func newError(resp *http.Response, code int, msg string) *Error {
	return &Error{StatusCode: resp.StatusCode, Code: code, Msg: msg,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
