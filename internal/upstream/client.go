package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Defaults of Client.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 1 << 20
	// DefaultRetryAfter is how long a caller is told to wait when the
	// upstream is unavailable and did not say.
	DefaultRetryAfter = 15 * time.Second
	// maxRetryAfter bounds an upstream's Retry-After passed on to callers.
	maxRetryAfter = 10 * time.Minute
)

// Statuses of a music task (data.status) that this package tells apart;
// the documented list is in testdata/README.md.
const (
	StatusSuccess           = "SUCCESS"
	StatusCallbackException = "CALLBACK_EXCEPTION" // finished; only the service's callback failed
)

// failed are the documented statuses of a music task that will never have
// audio (the jobs API's "fail" among them).
var failed = map[string]bool{
	"CREATE_TASK_FAILED": true, "GENERATE_AUDIO_FAILED": true, "SENSITIVE_WORD_ERROR": true, JobsFail: true,
}

// Client reads music tasks from a Suno-compatible API. The zero value is not
// usable: BaseURL is required.
type Client struct {
	// BaseURL is the API's root, e.g. "https://api.sunoapi.org".
	BaseURL string
	// HTTP makes the requests; nil means a client of the standard
	// transport. Redirects are never followed either way.
	HTTP *http.Client
	// Timeout bounds one lookup; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxBodyBytes caps an answer; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Record is a music task as record-info describes it.
type Record struct {
	TaskID string
	Status string // data.status, or the jobs API's data.state when Jobs
	Tracks []Track
	// Jobs is set for a song made through the jobs API, read on its
	// recordInfo (jobs.go).
	Jobs bool
}

// Track is one entry of data.response.sunoData[].
type Track struct {
	ID             string  `json:"id"`
	AudioURL       string  `json:"audioUrl"`
	SourceAudioURL string  `json:"sourceAudioUrl"`
	StreamAudioURL string  `json:"streamAudioUrl"`
	ImageURL       string  `json:"imageUrl"`
	SourceImageURL string  `json:"sourceImageUrl"`
	Title          string  `json:"title"`
	Tags           string  `json:"tags"`
	Duration       float64 `json:"duration"`
	// MusicIndex is the track's position in sunoData.
	MusicIndex int `json:"-"`
}

// Audio is the track's complete audio file: audioUrl, else sourceAudioUrl
// (never the stream, which is incomplete while the service generates).
func (t *Track) Audio() string { return firstOf(t.AudioURL, t.SourceAudioURL) }

// Image is the track's cover: imageUrl, else sourceImageUrl.
func (t *Track) Image() string { return firstOf(t.ImageURL, t.SourceImageURL) }

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Error is a lookup that failed. It unwraps to its *mvgen.Error, which is
// what the API caller sees, and to its cause, which is for the operator.
type Error struct {
	Domain *mvgen.Error
	// RetryAfter is set when the upstream was unavailable: when to try
	// again.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Domain.Error()
	}
	return e.Domain.Error() + ": " + e.Err.Error()
}

// Unwrap returns the domain error and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Domain}
	}
	return []error{e.Domain, e.Err}
}

func fail(code mvgen.Code, cause error, format string, args ...any) *Error {
	return &Error{Domain: mvgen.Errorf(code, format, args...), Err: cause}
}

// unavailable is a retryable failure; after is the upstream's Retry-After,
// if any. The message says the RetryAfter the caller's Retry-After header
// will: capped at maxRetryAfter, in whole seconds rounded up.
func unavailable(after time.Duration, cause error, format string, args ...any) *Error {
	if after <= 0 {
		after = DefaultRetryAfter
	}
	after = (min(after, maxRetryAfter) + time.Second - 1).Truncate(time.Second)
	e := fail(mvgen.EUnavailable, cause, format, args...)
	e.Domain.Msg += fmt.Sprintf("; retry in %d seconds", int64(after/time.Second))
	e.RetryAfter = after
	return e
}

// envelope is every answer of the hosted services.
type envelope struct {
	Code *int            `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// recordData is record-info's data.
type recordData struct {
	TaskID   string `json:"taskId"`
	Status   string `json:"status"`
	Response *struct {
		SunoData []Track `json:"sunoData"`
	} `json:"response"`
}

// Record returns the music task taskID as the upstream's record-info
// answers it to the holder of apiKey. Its errors are *Error (see the
// package documentation); apiKey appears in none of them.
func (c *Client) Record(ctx context.Context, apiKey, taskID string) (*Record, error) {
	status, body, after, err := c.get(ctx, apiKey, "/api/v1/generate/record-info?taskId="+url.QueryEscape(taskID))
	if err != nil {
		return nil, err
	}
	return parseRecord(taskID, status, body, after)
}

// get asks the upstream for path with apiKey and returns the answer's
// status line, body and Retry-After, or the *Error of an answer that is
// no record at all (refused, unavailable, too large).
func (c *Client) get(ctx context.Context, apiKey, path string) (string, []byte, time.Duration, error) {
	timeout := c.timeout()
	lookupCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := strings.TrimRight(c.BaseURL, "/") + path
	req, err := http.NewRequestWithContext(lookupCtx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, 0, fail(mvgen.EInternal, err, "building the upstream request")
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "mvgen")
	resp, err := c.client().Do(req)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return "", nil, 0, ctx.Err() // the caller went away
		case errors.Is(err, context.DeadlineExceeded):
			return "", nil, 0, unavailable(0, err, "the upstream music API did not answer within %v", timeout)
		}
		return "", nil, 0, unavailable(0, err, "the upstream music API cannot be reached")
	}
	defer resp.Body.Close()
	after := retryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", nil, 0, refused(fmt.Errorf("HTTP %s", resp.Status))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", nil, 0, unavailable(after, fmt.Errorf("HTTP %s", resp.Status), "the upstream music API is unavailable (HTTP %d)", resp.StatusCode)
	}
	limit := c.maxBody()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, 0, ctx.Err()
		}
		return "", nil, 0, unavailable(0, err, "reading the upstream music API's answer failed")
	}
	if int64(len(body)) > limit {
		return "", nil, 0, unavailable(0, fmt.Errorf("answer over %d bytes", limit), "the upstream music API's answer is too large")
	}
	return resp.Status, body, after, nil
}

// parseRecord reads a record-info answer: the envelope's code and data.
// status is the HTTP status line and after the answer's Retry-After, both
// for the errors.
func parseRecord(taskID, status string, body []byte, after time.Duration) (*Record, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Code == nil {
		// Not the documented envelope: a wrong --upstream-url (an HTML
		// page, a 404 of another server) or a broken gateway.
		return nil, unavailable(0, fmt.Errorf("HTTP %s, not the record-info envelope: %.200q", status, body),
			"the upstream music API answered something other than record-info")
	}
	cause := fmt.Errorf("envelope code %d: %.200q", *env.Code, env.Msg)
	switch code := *env.Code; {
	case code == 200:
	case code == 401 || code == 403:
		return nil, refused(cause)
	case code == 400 || code == 404:
		return nil, fail(mvgen.ENotFound, cause, "the upstream music API has no music task %q for this key's upstream key", taskID)
	default: // 405, 429, 430, 455, 5xx and anything undocumented
		return nil, unavailable(after, cause, "the upstream music API is unavailable (code %d)", code)
	}
	var d recordData
	if len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, unavailable(0, fmt.Errorf("data: %w", err), "the upstream music API answered an unreadable record")
		}
	}
	if d.TaskID == "" && d.Status == "" {
		return nil, fail(mvgen.ENotFound, cause, "the upstream music API has no music task %q for this key's upstream key", taskID)
	}
	rec := &Record{TaskID: d.TaskID, Status: d.Status}
	if d.Response != nil {
		rec.Tracks = d.Response.SunoData
	}
	for i := range rec.Tracks {
		rec.Tracks[i].MusicIndex = i
	}
	return rec, nil
}

func refused(cause error) *Error {
	return fail(mvgen.EForbidden, cause, "the upstream music API refused this API key's upstream key; "+
		"ask the operator to set a valid one (mvgen keys set-upstream)")
}

// Track returns the track audioID of the music task taskID, once the task
// is finished and the track has its audio (see the package documentation
// for each way it can fail). A music task the older record-info does not
// know is looked up on the jobs API's recordInfo (jobs.go), where songs
// made through the jobs API are.
func (c *Client) Track(ctx context.Context, apiKey, taskID, audioID string) (*Track, error) {
	rec, err := c.Record(ctx, apiKey, taskID)
	if isNotFound(err) {
		if jrec, jerr := c.JobRecord(ctx, apiKey, taskID); jerr == nil {
			rec, err = jrec, nil
		} else if !isNotFound(jerr) {
			err = jerr
		}
	}
	var e *Error
	if errors.As(err, &e) && e.Domain.Code == mvgen.ENotFound {
		e.Domain.Msg = fmt.Sprintf("no track with audioId %q in taskId %q: %s", audioID, taskID, e.Domain.Msg)
	}
	if err != nil {
		return nil, err
	}
	if failed[rec.Status] {
		return nil, fail(mvgen.EInvalid, nil, "music task %q failed upstream (%s): it has no audio to make a video of", taskID, rec.Status)
	}
	done := rec.Status == StatusSuccess || rec.Status == StatusCallbackException || rec.Status == JobsSuccess
	for i := range rec.Tracks {
		tr := &rec.Tracks[i]
		if tr.ID != audioID {
			continue
		}
		if !done || tr.Audio() == "" {
			return nil, notReady(taskID, rec)
		}
		return tr, nil
	}
	if !done {
		return nil, notReady(taskID, rec)
	}
	return nil, fail(mvgen.ENotFound, nil, "no track with audioId %q in taskId %q upstream (it has %d tracks)", audioID, taskID, len(rec.Tracks))
}

func notReady(taskID string, rec *Record) *Error {
	want := StatusSuccess
	if rec.Jobs {
		want = JobsSuccess
	}
	return fail(mvgen.EConflict, nil, "music task %q is not finished upstream (status %s); retry generate when it is %s",
		taskID, rec.Status, want)
}

// isNotFound reports whether err is a lookup that found no such music task.
func isNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Domain.Code == mvgen.ENotFound
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c *Client) maxBody() int64 {
	if c.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return c.MaxBodyBytes
}

func (c *Client) client() *http.Client {
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// RetryAfterDuration is when to retry: set when the upstream was
// unavailable, else 0.
func (e *Error) RetryAfterDuration() time.Duration { return e.RetryAfter }
