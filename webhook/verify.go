package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a callback's timestamp may lie from the
// receiver's clock, either way, unless [Verifier.Tolerance] says otherwise.
const DefaultTolerance = 5 * time.Minute

// DefaultMaxBodyBytes caps the body [Verifier.Handler] reads unless
// [Verifier.MaxBodyBytes] says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Verify checks a callback's Standard Webhooks signature with one secret and
// the default ±5 minute tolerance. See [Verifier.Verify] for the errors.
func Verify(secret string, h http.Header, body []byte) error {
	v := Verifier{Secrets: []string{secret}}
	return v.Verify(h, body)
}

// Verifier checks callback signatures. Only Secrets must be set; the other
// fields' zero values select the defaults. A Verifier is safe for concurrent
// use as long as its fields are not changed.
type Verifier struct {
	// Secrets are the accepted "whsec_…" secrets; a signature made with any
	// of them passes. List several while a key is rotated.
	//
	// With Legacy set, each secret is used verbatim, as its UTF-8 bytes, so a
	// plain legacy key (such as a hosted service's webhookHmacKey) works too.
	Secrets []string

	// Tolerance is how far the timestamp may lie from Now, either way.
	// Zero or negative means DefaultTolerance (5 minutes).
	Tolerance time.Duration

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Legacy selects the legacy scheme (X-Webhook-Timestamp and
	// X-Webhook-Signature, which sign data.task_id and the timestamp but not
	// the body) instead of Standard Webhooks. It is for receivers that
	// cannot check the body-signed scheme; prefer the default.
	Legacy bool

	// MaxBodyBytes caps the body Handler reads; a longer body is answered
	// 413. Zero or negative means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
}

// Validate reports whether v can verify anything: it needs at least one
// secret, and in the Standard Webhooks scheme every secret must decode.
// Errors wrap [ErrInvalidSecret].
func (v *Verifier) Validate() error {
	_, err := v.keys()
	return err
}

// Verify checks the signature headers of a callback against body.
//
// In the Standard Webhooks scheme (the default) it needs webhook-id,
// webhook-timestamp and webhook-signature; the signature header may list
// several space-separated "v1,<base64>" signatures, of which any one made
// with any of v.Secrets passes; entries of other versions are skipped. In the
// legacy scheme it needs X-Webhook-Timestamp and X-Webhook-Signature and reads
// the task id from the body's data.task_id. Signatures are compared in
// constant time.
//
// The returned error wraps one of [ErrInvalidSecret] (v is misconfigured),
// [ErrMissingHeaders], [ErrTimestamp], [ErrTooOld], [ErrTooNew],
// [ErrInvalidEvent] (legacy only: the body has no task id) or [ErrNoMatch].
func (v *Verifier) Verify(h http.Header, body []byte) error {
	_, err := v.verify(h, body)
	return err
}

// verify is Verify that also returns the event when it had to parse it (the
// legacy scheme), so that Handler need not parse the body twice.
func (v *Verifier) verify(h http.Header, body []byte) (*Event, error) {
	keys, err := v.keys()
	if err != nil {
		return nil, err
	}
	if v.Legacy {
		return v.verifyLegacy(keys, h, body)
	}
	return nil, v.verifyStandard(keys, h, body)
}

func (v *Verifier) verifyStandard(keys [][]byte, h http.Header, body []byte) error {
	id := h.Get(HeaderID)
	ts := h.Get(HeaderTimestamp)
	sigs := strings.Join(h.Values(HeaderSignature), " ")
	if id == "" || ts == "" || strings.TrimSpace(sigs) == "" {
		return fmt.Errorf("verifying standard webhook: need %s, %s and %s: %w",
			HeaderID, HeaderTimestamp, HeaderSignature, ErrMissingHeaders)
	}
	unix, err := v.checkTimestamp(ts)
	if err != nil {
		return fmt.Errorf("verifying standard webhook %s: %w", HeaderTimestamp, err)
	}
	for _, key := range keys {
		want := []byte(base64.StdEncoding.EncodeToString(mac(key, id, unix, body)))
		for _, entry := range strings.Fields(sigs) {
			version, sig, ok := strings.Cut(entry, ",")
			if !ok || version != signatureVersion {
				continue
			}
			if hmac.Equal([]byte(sig), want) {
				return nil
			}
		}
	}
	return fmt.Errorf("verifying standard webhook %q: %w", id, ErrNoMatch)
}

func (v *Verifier) verifyLegacy(keys [][]byte, h http.Header, body []byte) (*Event, error) {
	ts := h.Get(HeaderLegacyTimestamp)
	sig := strings.TrimSpace(h.Get(HeaderLegacySignature))
	if ts == "" || sig == "" {
		return nil, fmt.Errorf("verifying legacy webhook: need %s and %s: %w",
			HeaderLegacyTimestamp, HeaderLegacySignature, ErrMissingHeaders)
	}
	unix, err := v.checkTimestamp(ts)
	if err != nil {
		return nil, fmt.Errorf("verifying legacy webhook %s: %w", HeaderLegacyTimestamp, err)
	}
	ev, err := ParseEvent(body)
	if err != nil {
		return nil, fmt.Errorf("verifying legacy webhook: reading task id: %w", err)
	}
	for _, key := range keys {
		want := []byte(base64.StdEncoding.EncodeToString(macLegacy(key, ev.Data.TaskID, unix)))
		if hmac.Equal([]byte(sig), want) {
			return ev, nil
		}
	}
	return nil, fmt.Errorf("verifying legacy webhook for task %q: %w", ev.Data.TaskID, ErrNoMatch)
}

// keys returns the HMAC keys of v.Secrets for the selected scheme.
func (v *Verifier) keys() ([][]byte, error) {
	if len(v.Secrets) == 0 {
		return nil, fmt.Errorf("verifier has no secrets: %w", ErrInvalidSecret)
	}
	keys := make([][]byte, len(v.Secrets))
	for i, s := range v.Secrets {
		if v.Legacy {
			if s == "" {
				return nil, fmt.Errorf("verifier secret %d: empty: %w", i+1, ErrInvalidSecret)
			}
			keys[i] = []byte(s)
			continue
		}
		key, err := DecodeSecret(s)
		if err != nil {
			return nil, fmt.Errorf("verifier secret %d: %w", i+1, err)
		}
		keys[i] = key
	}
	return keys, nil
}

// checkTimestamp parses a Unix-seconds header and checks it against the
// tolerance. The arithmetic stays in int64 seconds, where no header value can
// overflow it.
func (v *Verifier) checkTimestamp(s string) (int64, error) {
	unix, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not Unix seconds: %w", truncate(s, 32), ErrTimestamp)
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	tolSec := int64(tol / time.Second)
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	nowSec := now().Unix()
	switch {
	case unix < nowSec-tolSec:
		return 0, fmt.Errorf("%d is more than %v before now: %w", unix, tol, ErrTooOld)
	case unix > nowSec+tolSec:
		return 0, fmt.Errorf("%d is more than %v after now: %w", unix, tol, ErrTooNew)
	}
	return unix, nil
}

// truncate shortens attacker-chosen text before it goes into an error.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
