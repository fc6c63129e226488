package webhook_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/webhook"
)

// Fixed inputs shared by the tests.
var (
	now       = time.Unix(1769670760, 0)
	secretA   = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB   = "whsec_" + base64.StdEncoding.EncodeToString([]byte("another-24-byte-secret!!"))
	secretC   = "whsec_" + base64.StdEncoding.EncodeToString([]byte("a-third-24-byte-secret!!"))
	msgID     = "msg_2Qm7c1"
	taskID    = "ee9c2715375b7837f8bb51d641ff5863"
	eventBody = []byte(`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"ee9c2715375b7837f8bb51d641ff5863","video_url":"https://mvgen.example/v/abc.mp4"}}`)
)

func fixedNow() time.Time { return now }

// signed returns the headers mvgen would send for body at ts.
func signed(t *testing.T, ts time.Time, body []byte, secrets ...string) http.Header {
	t.Helper()
	h := http.Header{}
	if err := webhook.SetHeaders(h, msgID, taskID, ts, body, secrets...); err != nil {
		t.Fatalf("SetHeaders: got error %v, want nil", err)
	}
	return h
}

func TestSignLegacyVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, taskID string
		unix        int64
		want        string
	}{
		{"test-webhook-hmac-key", "ee9c2715375b7837f8bb51d641ff5863", 1769670760, "xG6/yOyrMyJtUdc1yjmHpKLHSHF3MpzOPa6uxSj3qb4="},
		{"my-secret", "taskId_774b9aa0422f", 1735661400, "UKqA2FjHtmhiMkheN+EKjlYIj0lra4Bb4DKMB23sslg="},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			if got := webhook.SignLegacy(tt.key, tt.taskID, time.Unix(tt.unix, 0)); got != tt.want {
				t.Errorf("SignLegacy(%q, %q, %d): got %q, want %q", tt.key, tt.taskID, tt.unix, got, tt.want)
			}
			// The same vector verifies through a legacy Verifier.
			body := []byte(`{"code":200,"msg":"ok","data":{"task_id":"` + tt.taskID + `","video_url":null}}`)
			h := http.Header{}
			h.Set(webhook.HeaderLegacyTimestamp, strconv.FormatInt(tt.unix, 10))
			h.Set(webhook.HeaderLegacySignature, tt.want)
			v := webhook.Verifier{Secrets: []string{tt.key}, Legacy: true, Now: func() time.Time { return time.Unix(tt.unix, 0) }}
			if err := v.Verify(h, body); err != nil {
				t.Errorf("legacy Verify of the vector: got %v, want nil", err)
			}
		})
	}
}

// TestSignStandardVector uses the vector of the Standard Webhooks reference
// test suite (libraries/go/webhook_test.go, TestWebhookSign).
func TestSignStandardVector(t *testing.T) {
	t.Parallel()
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	ts := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	for _, s := range []string{secret, strings.TrimPrefix(secret, "whsec_")} {
		got, err := webhook.Sign(s, id, ts, body)
		if err != nil || got != want {
			t.Errorf("Sign(%q, ...): got %q, %v, want %q, nil", s, got, err, want)
		}
	}

	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, "1614265330")
	h.Set(webhook.HeaderSignature, want)
	v := webhook.Verifier{Secrets: []string{secret}, Now: func() time.Time { return ts.Add(4 * time.Minute) }}
	if err := v.Verify(h, body); err != nil {
		t.Errorf("Verify of the reference vector: got %v, want nil", err)
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, err := webhook.NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: got error %v, want nil", err)
	}
	b, err := webhook.NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: got error %v, want nil", err)
	}
	if !strings.HasPrefix(a, "whsec_") {
		t.Errorf("NewSecret: got %q, want prefix whsec_", a)
	}
	if len(a) != len("whsec_")+32 {
		t.Errorf("NewSecret: got length %d, want %d", len(a), len("whsec_")+32)
	}
	if a == b {
		t.Errorf("NewSecret twice: got %q both times, want different secrets", a)
	}
	key, err := webhook.DecodeSecret(a)
	if err != nil || len(key) != 24 {
		t.Errorf("DecodeSecret(NewSecret()): got %d bytes, %v, want 24 bytes, nil", len(key), err)
	}
}

func TestDecodeSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []byte
		wantErr error
	}{
		{"prefixed", "whsec_aGVsbG8gd29ybGQ=", []byte("hello world"), nil},
		{"bare", "aGVsbG8gd29ybGQ=", []byte("hello world"), nil},
		{"empty", "", nil, webhook.ErrInvalidSecret},
		{"prefix only", "whsec_", nil, webhook.ErrInvalidSecret},
		{"not base64", "whsec_not base64!", nil, webhook.ErrInvalidSecret},
		{"url alphabet", "whsec_-_-_", nil, webhook.ErrInvalidSecret},
		{"missing padding", "whsec_aGVsbG8gd29ybGQ", nil, webhook.ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.DecodeSecret(tt.in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("DecodeSecret(%q): got error %v, want %v", tt.in, err, tt.wantErr)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("DecodeSecret(%q): got %q, want %q", tt.in, got, tt.want)
			}
			if enc := strings.TrimPrefix(tt.in, "whsec_"); err != nil && enc != "" && strings.Contains(err.Error(), enc) {
				t.Errorf("DecodeSecret(%q): error %q contains the secret", tt.in, err)
			}
		})
	}
}

func TestSetHeaders(t *testing.T) {
	t.Parallel()
	h := signed(t, now, eventBody, secretB, secretA)

	sigB, _ := webhook.Sign(secretB, msgID, now, eventBody)
	sigA, _ := webhook.Sign(secretA, msgID, now, eventBody)
	want := map[string]string{
		"webhook-id":          msgID,
		"webhook-timestamp":   "1769670760",
		"webhook-signature":   sigB + " " + sigA,
		"X-Webhook-Timestamp": "1769670760",
		"X-Webhook-Signature": webhook.SignLegacy(secretB, taskID, now),
		"Content-Type":        "application/json",
	}
	for k, w := range want {
		if got := h.Get(k); got != w {
			t.Errorf("header %s: got %q, want %q", k, got, w)
		}
	}
	if len(h) != len(want) {
		t.Errorf("SetHeaders: got %d headers, want %d", len(h), len(want))
	}

	for _, bad := range [][]string{nil, {"whsec_!!"}, {secretA, ""}} {
		h := http.Header{}
		err := webhook.SetHeaders(h, msgID, taskID, now, eventBody, bad...)
		if !errors.Is(err, webhook.ErrInvalidSecret) {
			t.Errorf("SetHeaders with secrets %q: got error %v, want ErrInvalidSecret", bad, err)
		}
		if len(h) != 0 {
			t.Errorf("SetHeaders with secrets %q: got headers %v, want none", bad, h)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string      // the receiver's; default {secretA}
		tol     time.Duration // the receiver's tolerance
		ts      time.Time     // when signed; default now
		sign    []string      // the sender's; default {secretA}
		body    []byte        // what arrives; default eventBody
		edit    func(h http.Header)
		want    error
	}{
		{name: "valid"},
		{name: "wrong secret", secrets: []string{secretB}, want: webhook.ErrNoMatch},
		{name: "rotation, receiver has new", sign: []string{secretB, secretA}, secrets: []string{secretB}},
		{name: "rotation, receiver has old", sign: []string{secretB, secretA}, secrets: []string{secretA}},
		{name: "receiver accepts several", sign: []string{secretA}, secrets: []string{secretC, secretB, secretA}},
		{name: "receiver accepts several, none match", sign: []string{secretA}, secrets: []string{secretC, secretB}, want: webhook.ErrNoMatch},
		{name: "bare secret", secrets: []string{strings.TrimPrefix(secretA, "whsec_")}},
		{name: "altered body", body: bytes.Replace(eventBody, []byte("abc.mp4"), []byte("evil.mp4"), 1), want: webhook.ErrNoMatch},
		{name: "empty body", body: []byte{}, want: webhook.ErrNoMatch},
		{name: "altered id", edit: func(h http.Header) { h.Set(webhook.HeaderID, "msg_other") }, want: webhook.ErrNoMatch},
		{name: "altered timestamp", edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "1769670761") }, want: webhook.ErrNoMatch},
		{name: "at the old edge", ts: now.Add(-5 * time.Minute)},
		{name: "at the new edge", ts: now.Add(5 * time.Minute)},
		{name: "expired", ts: now.Add(-5*time.Minute - time.Second), want: webhook.ErrTooOld},
		{name: "long expired", ts: time.Unix(0, 0), want: webhook.ErrTooOld},
		{name: "future", ts: now.Add(5*time.Minute + time.Second), want: webhook.ErrTooNew},
		{name: "custom tolerance passes", tol: time.Hour, ts: now.Add(-59 * time.Minute)},
		{name: "custom tolerance fails", tol: time.Minute, ts: now.Add(-2 * time.Minute), want: webhook.ErrTooOld},
		{name: "timestamp not a number", edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "soon") }, want: webhook.ErrTimestamp},
		{name: "timestamp in milliseconds", edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "1769670760000") }, want: webhook.ErrTooNew},
		{name: "timestamp overflows", edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "99999999999999999999") }, want: webhook.ErrTimestamp},
		{name: "timestamp most negative", edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "-9223372036854775808") }, want: webhook.ErrTooOld},
		{name: "timestamp most positive", edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "9223372036854775807") }, want: webhook.ErrTooNew},
		{name: "missing id", edit: func(h http.Header) { h.Del(webhook.HeaderID) }, want: webhook.ErrMissingHeaders},
		{name: "missing timestamp", edit: func(h http.Header) { h.Del(webhook.HeaderTimestamp) }, want: webhook.ErrMissingHeaders},
		{name: "missing signature", edit: func(h http.Header) { h.Del(webhook.HeaderSignature) }, want: webhook.ErrMissingHeaders},
		{name: "blank signature", edit: func(h http.Header) { h.Set(webhook.HeaderSignature, "   ") }, want: webhook.ErrMissingHeaders},
		{name: "no headers", edit: func(h http.Header) { clear(h) }, want: webhook.ErrMissingHeaders},
		{name: "legacy headers only", edit: func(h http.Header) {
			h.Del(webhook.HeaderID)
			h.Del(webhook.HeaderSignature)
			h.Del(webhook.HeaderTimestamp)
		}, want: webhook.ErrMissingHeaders},
		{name: "several signatures, one valid", edit: func(h http.Header) {
			valid := h.Get(webhook.HeaderSignature)
			h.Set(webhook.HeaderSignature, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= junk "+valid+" v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=")
		}},
		{name: "valid signature under another version", edit: func(h http.Header) {
			h.Set(webhook.HeaderSignature, strings.Replace(h.Get(webhook.HeaderSignature), "v1,", "v1a,", 1))
		}, want: webhook.ErrNoMatch},
		{name: "valid signature without version", edit: func(h http.Header) {
			h.Set(webhook.HeaderSignature, strings.TrimPrefix(h.Get(webhook.HeaderSignature), "v1,"))
		}, want: webhook.ErrNoMatch},
		{name: "valid signature in a second header line", edit: func(h http.Header) {
			valid := h.Get(webhook.HeaderSignature)
			h.Set(webhook.HeaderSignature, "v1,bm9wZQ==")
			h.Add(webhook.HeaderSignature, valid)
		}},
		{name: "truncated signature", edit: func(h http.Header) {
			s := h.Get(webhook.HeaderSignature)
			h.Set(webhook.HeaderSignature, s[:len(s)-2])
		}, want: webhook.ErrNoMatch},
		{name: "no secrets", secrets: []string{}, want: webhook.ErrInvalidSecret},
		{name: "undecodable secret", secrets: []string{secretA, "whsec_%%%"}, want: webhook.ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts, sign, body := tt.ts, tt.sign, tt.body
			if ts.IsZero() {
				ts = now
			}
			if sign == nil {
				sign = []string{secretA}
			}
			if body == nil {
				body = eventBody
			}
			h := signed(t, ts, eventBody, sign...)
			if tt.edit != nil {
				tt.edit(h)
			}
			secrets := tt.secrets
			if secrets == nil {
				secrets = []string{secretA}
			}
			v := webhook.Verifier{Secrets: secrets, Tolerance: tt.tol, Now: fixedNow}
			err := v.Verify(h, body)
			if tt.want == nil && err != nil {
				t.Fatalf("Verify: got error %v, want nil", err)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: got error %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(secretA, "whsec_")) {
				t.Errorf("Verify: error %q contains the secret", err)
			}
		})
	}
}

func TestVerifyLegacy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string
		sign    []string
		body    []byte
		edit    func(h http.Header)
		want    error
	}{
		{name: "valid"},
		{name: "signed with the whole whsec string", edit: func(h http.Header) {
			key, _ := webhook.DecodeSecret(secretA)
			h.Set(webhook.HeaderLegacySignature, webhook.SignLegacy(string(key), taskID, now))
		}, want: webhook.ErrNoMatch},
		{name: "rotation: first secret signs legacy", sign: []string{secretB, secretA}, secrets: []string{secretA, secretB}},
		{name: "rotation: old secret alone fails", sign: []string{secretB, secretA}, secrets: []string{secretA}, want: webhook.ErrNoMatch},
		{name: "plain legacy key", sign: []string{secretA}, secrets: []string{"my-secret"}, edit: func(h http.Header) {
			h.Set(webhook.HeaderLegacySignature, webhook.SignLegacy("my-secret", taskID, now))
		}},
		{name: "other task id in body", body: bytes.Replace(eventBody, []byte(taskID), []byte("someone-elses-task"), 1), want: webhook.ErrNoMatch},
		{name: "altered video_url passes (legacy does not sign the body)", body: bytes.Replace(eventBody, []byte("abc.mp4"), []byte("evil.mp4"), 1)},
		{name: "body without task id", body: []byte(`{"code":200}`), want: webhook.ErrInvalidEvent},
		{name: "body not JSON", body: []byte(`task_id=1`), want: webhook.ErrInvalidEvent},
		{name: "missing signature", edit: func(h http.Header) { h.Del(webhook.HeaderLegacySignature) }, want: webhook.ErrMissingHeaders},
		{name: "missing timestamp", edit: func(h http.Header) { h.Del(webhook.HeaderLegacyTimestamp) }, want: webhook.ErrMissingHeaders},
		{name: "standard headers only", edit: func(h http.Header) {
			h.Del(webhook.HeaderLegacySignature)
			h.Del(webhook.HeaderLegacyTimestamp)
		}, want: webhook.ErrMissingHeaders},
		{name: "expired", edit: func(h http.Header) {
			old := now.Add(-10 * time.Minute)
			h.Set(webhook.HeaderLegacyTimestamp, strconv.FormatInt(old.Unix(), 10))
			h.Set(webhook.HeaderLegacySignature, webhook.SignLegacy(secretA, taskID, old))
		}, want: webhook.ErrTooOld},
		{name: "future", edit: func(h http.Header) {
			later := now.Add(10 * time.Minute)
			h.Set(webhook.HeaderLegacyTimestamp, strconv.FormatInt(later.Unix(), 10))
			h.Set(webhook.HeaderLegacySignature, webhook.SignLegacy(secretA, taskID, later))
		}, want: webhook.ErrTooNew},
		{name: "bad timestamp", edit: func(h http.Header) { h.Set(webhook.HeaderLegacyTimestamp, "1.5e9") }, want: webhook.ErrTimestamp},
		{name: "altered timestamp", edit: func(h http.Header) { h.Set(webhook.HeaderLegacyTimestamp, "1769670700") }, want: webhook.ErrNoMatch},
		{name: "empty secret", secrets: []string{""}, want: webhook.ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sign, body, secrets := tt.sign, tt.body, tt.secrets
			if sign == nil {
				sign = []string{secretA}
			}
			if body == nil {
				body = eventBody
			}
			if secrets == nil {
				secrets = []string{secretA}
			}
			h := signed(t, now, eventBody, sign...)
			if tt.edit != nil {
				tt.edit(h)
			}
			v := webhook.Verifier{Secrets: secrets, Legacy: true, Now: fixedNow}
			err := v.Verify(h, body)
			if tt.want == nil && err != nil {
				t.Fatalf("legacy Verify: got error %v, want nil", err)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("legacy Verify: got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyPackageFunc(t *testing.T) {
	t.Parallel()
	ts := time.Now()
	body := []byte(`{"code":500,"msg":"render failed","data":{"task_id":"t1","video_url":null}}`)
	h := http.Header{}
	if err := webhook.SetHeaders(h, "msg_1", "t1", ts, body, secretA); err != nil {
		t.Fatalf("SetHeaders: got error %v, want nil", err)
	}
	if err := webhook.Verify(secretA, h, body); err != nil {
		t.Errorf("Verify(right secret): got %v, want nil", err)
	}
	if err := webhook.Verify(secretB, h, body); !errors.Is(err, webhook.ErrNoMatch) {
		t.Errorf("Verify(wrong secret): got %v, want ErrNoMatch", err)
	}
	if err := webhook.Verify(secretA, h, append(body, ' ')); !errors.Is(err, webhook.ErrNoMatch) {
		t.Errorf("Verify(altered body): got %v, want ErrNoMatch", err)
	}
}

func TestVerifierValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    webhook.Verifier
		ok   bool
	}{
		{"zero", webhook.Verifier{}, false},
		{"one secret", webhook.Verifier{Secrets: []string{secretA}}, true},
		{"bad secret", webhook.Verifier{Secrets: []string{secretA, "my-secret"}}, false},
		{"legacy plain key", webhook.Verifier{Secrets: []string{"my-secret"}, Legacy: true}, true},
		{"legacy empty key", webhook.Verifier{Secrets: []string{""}, Legacy: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.v.Validate()
			if tt.ok && err != nil {
				t.Errorf("Validate: got %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, webhook.ErrInvalidSecret) {
				t.Errorf("Validate: got %v, want ErrInvalidSecret", err)
			}
		})
	}
}

func TestTimestampErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{webhook.ErrTooOld, webhook.ErrTooNew} {
		if !errors.Is(err, webhook.ErrTimestamp) {
			t.Errorf("errors.Is(%v, ErrTimestamp): got false, want true", err)
		}
	}
	if errors.Is(webhook.ErrTooOld, webhook.ErrTooNew) {
		t.Errorf("errors.Is(ErrTooOld, ErrTooNew): got true, want false")
	}
}

// TestEventJSON checks the key names against the contract's examples (§4).
func TestEventJSON(t *testing.T) {
	t.Parallel()
	url := "https://…"
	tests := []struct {
		ev   webhook.Event
		want string
	}{
		{
			webhook.Event{Code: 200, Msg: "MP4 generated successfully.", Data: webhook.EventData{TaskID: "…", VideoURL: &url}},
			`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"…","video_url":"https://…"}}`,
		},
		{
			webhook.Event{Code: 451, Msg: "Source audio file download failed", Data: webhook.EventData{TaskID: "…"}},
			`{"code":451,"msg":"Source audio file download failed","data":{"task_id":"…","video_url":null}}`,
		},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.ev)
		if err != nil {
			t.Fatalf("json.Marshal: got error %v, want nil", err)
		}
		if string(got) != tt.want {
			t.Errorf("json.Marshal: got %s, want %s", got, tt.want)
		}
		back, err := webhook.ParseEvent(got)
		if err != nil {
			t.Fatalf("ParseEvent(%s): got error %v, want nil", got, err)
		}
		if !reflect.DeepEqual(*back, tt.ev) {
			t.Errorf("ParseEvent(%s): got %+v, want %+v", got, *back, tt.ev)
		}
		if back.OK() != (tt.ev.Code == 200) {
			t.Errorf("OK(): got %v, want %v", back.OK(), tt.ev.Code == 200)
		}
	}
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantURL  string // "" means nil
		wantErr  bool
	}{
		{name: "success", body: string(eventBody), wantCode: 200, wantURL: "https://mvgen.example/v/abc.mp4"},
		{name: "failure", body: `{"code":451,"msg":"x","data":{"task_id":"t","video_url":null}}`, wantCode: 451},
		{name: "unknown fields ignored", body: `{"code":200,"msg":"x","extra":[1,2],"data":{"task_id":"t","video_url":"u","expires":1}}`, wantCode: 200, wantURL: "u"},
		{name: "jobs envelope", body: `{"code":200,"msg":"Playground task completed successfully.","data":{"taskId":"t","model":"ai-music-api/create-music-video","state":"success","resultJson":"{\"resultUrls\":[\"u\"]}","task_id":"t","video_url":"u"}}`, wantCode: 200, wantURL: "u"},
		{name: "jobs failure", body: `{"code":501,"msg":"Playground task failed.","data":{"taskId":"t","state":"fail","failCode":"451","task_id":"t","video_url":null}}`, wantCode: 501},
		{name: "video_url absent", body: `{"code":500,"msg":"x","data":{"task_id":"t"}}`, wantCode: 500},
		{name: "no task id", body: `{"code":200,"msg":"x","data":{"video_url":"u"}}`, wantErr: true},
		{name: "data null", body: `{"code":200,"msg":"x","data":null}`, wantErr: true},
		{name: "task id wrong type", body: `{"code":200,"data":{"task_id":7}}`, wantErr: true},
		{name: "code wrong type", body: `{"code":"200","data":{"task_id":"t"}}`, wantErr: true},
		{name: "array", body: `[]`, wantErr: true},
		{name: "null", body: `null`, wantErr: true},
		{name: "empty", body: ``, wantErr: true},
		{name: "trailing data", body: string(eventBody) + `{}`, wantErr: true},
		{name: "truncated", body: string(eventBody[:40]), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := webhook.ParseEvent([]byte(tt.body))
			if tt.wantErr {
				if !errors.Is(err, webhook.ErrInvalidEvent) {
					t.Fatalf("ParseEvent(%s): got %+v, %v, want ErrInvalidEvent", tt.body, ev, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEvent(%s): got error %v, want nil", tt.body, err)
			}
			if ev.Code != tt.wantCode {
				t.Errorf("Code: got %d, want %d", ev.Code, tt.wantCode)
			}
			var gotURL string
			if ev.Data.VideoURL != nil {
				gotURL = *ev.Data.VideoURL
			}
			if gotURL != tt.wantURL {
				t.Errorf("VideoURL: got %q, want %q", gotURL, tt.wantURL)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	type seen struct {
		ev   *webhook.Event
		ok   bool
		body string
	}
	seenc := make(chan seen, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := webhook.EventFromContext(r.Context())
		b, _ := io.ReadAll(r.Body)
		seenc <- seen{ev, ok, string(b)}
		w.WriteHeader(http.StatusNoContent)
	})
	standard := &webhook.Verifier{Secrets: []string{secretA}, Now: fixedNow, MaxBodyBytes: 512}
	legacy := &webhook.Verifier{Secrets: []string{secretA}, Now: fixedNow, Legacy: true}
	broken := &webhook.Verifier{Now: fixedNow}
	mux := http.NewServeMux()
	mux.Handle("POST /standard", standard.Handler(next))
	mux.Handle("POST /legacy", legacy.Handler(next))
	mux.Handle("POST /broken", broken.Handler(next))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	big := append(bytes.Repeat([]byte(" "), 600), eventBody...)
	notEvent := []byte(`{"hello":"world"}`)
	tests := []struct {
		name     string
		path     string
		body     []byte // sent
		signBody []byte // signed; default body
		edit     func(http.Header)
		stream   bool // send without Content-Length
		want     int
		wantText string
	}{
		{name: "valid", path: "/standard", body: eventBody, want: http.StatusNoContent},
		{name: "valid legacy", path: "/legacy", body: eventBody, want: http.StatusNoContent},
		{name: "valid, streamed", path: "/standard", body: eventBody, stream: true, want: http.StatusNoContent},
		{name: "altered body", path: "/standard", body: append([]byte(" "), eventBody...), signBody: eventBody, want: http.StatusUnauthorized, wantText: "signature mismatch"},
		{name: "missing headers", path: "/standard", body: eventBody, edit: func(h http.Header) { h.Del(webhook.HeaderSignature) }, want: http.StatusUnauthorized, wantText: "missing signature headers"},
		{name: "expired", path: "/standard", body: eventBody, edit: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "1") }, want: http.StatusUnauthorized, wantText: "timestamp too old"},
		{name: "legacy, standard headers only", path: "/legacy", body: eventBody, edit: func(h http.Header) { h.Del(webhook.HeaderLegacySignature) }, want: http.StatusUnauthorized, wantText: "missing signature headers"},
		{name: "over the cap", path: "/standard", body: big, want: http.StatusRequestEntityTooLarge},
		{name: "over the cap, streamed", path: "/standard", body: big, stream: true, want: http.StatusRequestEntityTooLarge},
		{name: "signed but not an event", path: "/standard", body: notEvent, want: http.StatusBadRequest},
		{name: "misconfigured verifier", path: "/broken", body: eventBody, want: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the subtests share seenc.
			signBody := tt.signBody
			if signBody == nil {
				signBody = tt.body
			}
			var rd io.Reader = bytes.NewReader(tt.body)
			if tt.stream {
				rd = io.MultiReader(rd) // hides the length: chunked encoding
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+tt.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			if err := webhook.SetHeaders(req.Header, msgID, taskID, now, signBody, secretA); err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				tt.edit(req.Header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("POST %s: got error %v, want nil", tt.path, err)
			}
			text, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("POST %s: got status %d (%s), want %d", tt.path, resp.StatusCode, text, tt.want)
			}
			if !strings.Contains(string(text), tt.wantText) {
				t.Errorf("POST %s: got body %q, want it to contain %q", tt.path, text, tt.wantText)
			}
			if tt.want != http.StatusNoContent {
				select {
				case s := <-seenc:
					t.Errorf("POST %s: next saw %+v, want it not called", tt.path, s)
				default:
				}
				return
			}
			s := <-seenc
			if s.body != string(tt.body) {
				t.Errorf("next read body %q, want %q", s.body, tt.body)
			}
			if !s.ok || s.ev.Data.TaskID != taskID || !s.ev.OK() {
				t.Errorf("EventFromContext: got %+v, %v, want task %s with a video", s.ev, s.ok, taskID)
			}
		})
	}
}

func TestEventFromContext(t *testing.T) {
	t.Parallel()
	if ev, ok := webhook.EventFromContext(t.Context()); ok || ev != nil {
		t.Errorf("EventFromContext(empty): got %v, %v, want nil, false", ev, ok)
	}
	want := &webhook.Event{Code: 200}
	if ev, ok := webhook.EventFromContext(webhook.NewContext(t.Context(), want)); !ok || ev != want {
		t.Errorf("EventFromContext(NewContext(e)): got %v, %v, want %v, true", ev, ok, want)
	}
	if ev, ok := webhook.EventFromContext(webhook.NewContext(t.Context(), nil)); ok || ev != nil {
		t.Errorf("EventFromContext(NewContext(nil)): got %v, %v, want nil, false", ev, ok)
	}
}

// FuzzVerify feeds arbitrary headers and bodies to both schemes. Verification
// must never panic, must fail with one of the package's sentinels, and may pass
// only when the headers carry the signature made with the receiver's secret.
func FuzzVerify(f *testing.F) {
	sig, _ := webhook.Sign(secretA, msgID, now, eventBody)
	unix := strconv.FormatInt(now.Unix(), 10)
	legacySig := webhook.SignLegacy(secretA, taskID, now)
	f.Add(msgID, unix, sig, legacySig, eventBody, false)
	f.Add(msgID, unix, sig, legacySig, eventBody, true)
	f.Add(msgID, unix, "v1,x v2,"+sig[3:]+" "+sig, "", eventBody, false)
	f.Add("", "", "", "", []byte(nil), false)
	f.Add("id", "-1", "v1,", "=", []byte(`{"data":{"task_id":"x"}}`), true)
	f.Add(msgID, "99999999999999999999", ",,, v1,,", "\x00", []byte("\xff"), true)

	sentinels := []error{webhook.ErrMissingHeaders, webhook.ErrTimestamp, webhook.ErrNoMatch, webhook.ErrInvalidEvent}
	f.Fuzz(func(t *testing.T, id, ts, sigs, legacySig string, body []byte, legacy bool) {
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sigs)
		h.Set(webhook.HeaderLegacyTimestamp, ts)
		h.Set(webhook.HeaderLegacySignature, legacySig)
		v := webhook.Verifier{Secrets: []string{secretB, secretA}, Legacy: legacy, Now: fixedNow}
		err := v.Verify(h, body)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("Verify: got error %v, want one of the sentinels", err)
		}

		// It passed: the headers must carry a signature made with a secret.
		n, perr := strconv.ParseInt(h.Get(webhook.HeaderTimestamp), 10, 64)
		if perr != nil {
			t.Fatalf("Verify passed with timestamp %q", ts)
		}
		signedAt := time.Unix(n, 0)
		if legacy {
			ev, err := webhook.ParseEvent(body)
			if err != nil {
				t.Fatalf("legacy Verify passed on a body ParseEvent rejects: %v", err)
			}
			got := strings.TrimSpace(h.Get(webhook.HeaderLegacySignature))
			if got != webhook.SignLegacy(secretA, ev.Data.TaskID, signedAt) && got != webhook.SignLegacy(secretB, ev.Data.TaskID, signedAt) {
				t.Fatalf("legacy Verify passed signature %q, want a secret's", got)
			}
			return
		}
		wantA, _ := webhook.Sign(secretA, h.Get(webhook.HeaderID), signedAt, body)
		wantB, _ := webhook.Sign(secretB, h.Get(webhook.HeaderID), signedAt, body)
		found := false
		for _, f := range strings.Fields(h.Get(webhook.HeaderSignature)) {
			found = found || f == wantA || f == wantB
		}
		if !found {
			t.Fatalf("Verify passed signatures %q, want one of a secret's", sigs)
		}
	})
}

// FuzzParseEvent checks that ParseEvent never panics, fails only with
// ErrInvalidEvent, and that what it accepts survives a JSON round trip.
func FuzzParseEvent(f *testing.F) {
	f.Add(eventBody)
	f.Add([]byte(`{"code":451,"msg":"Source audio file download failed","data":{"task_id":"x","video_url":null}}`))
	f.Add([]byte(`{"data":{"task_id":"\ud800","video_url":"\u0000"},"extra":{"a":[1,{"b":null}]}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"code":1e400}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := webhook.ParseEvent(body)
		if err != nil {
			if !errors.Is(err, webhook.ErrInvalidEvent) {
				t.Fatalf("ParseEvent: got error %v, want ErrInvalidEvent", err)
			}
			return
		}
		if ev.Data.TaskID == "" {
			t.Fatalf("ParseEvent accepted %q without a task id", body)
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("json.Marshal(%+v): got error %v, want nil", ev, err)
		}
		back, err := webhook.ParseEvent(out)
		if err != nil {
			t.Fatalf("ParseEvent(%s) after round trip: got error %v, want nil", out, err)
		}
		if !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip: got %+v, want %+v", back, ev)
		}
	})
}
