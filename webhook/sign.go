package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the two signature schemes. [http.Header] methods
// canonicalize them (webhook-id is stored as "Webhook-Id"); HTTP header names
// are case-insensitive, so receivers see the same header either way.
const (
	HeaderID        = "webhook-id"        // Standard Webhooks message id, the same for every attempt of one callback
	HeaderTimestamp = "webhook-timestamp" // Standard Webhooks send time, Unix seconds
	HeaderSignature = "webhook-signature" // Standard Webhooks signatures, space-separated "v1,<base64>"

	HeaderLegacyTimestamp = "X-Webhook-Timestamp" // legacy send time, Unix seconds
	HeaderLegacySignature = "X-Webhook-Signature" // legacy signature, base64 with padding
)

// signatureVersion prefixes each Standard Webhooks signature: "v1,<base64>".
const signatureVersion = "v1"

// Sign returns the Standard Webhooks signature of a message:
// "v1," + base64(HMAC-SHA256(key, msgID + "." + unix seconds of ts + "." + body)),
// keyed with [DecodeSecret](secret). It fails only when secret cannot be
// decoded.
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := DecodeSecret(secret)
	if err != nil {
		return "", err
	}
	return signatureVersion + "," + base64.StdEncoding.EncodeToString(mac(key, msgID, ts.Unix(), body)), nil
}

// SignLegacy returns the legacy (kie.ai scheme) signature:
// base64(HMAC-SHA256(key, taskID + "." + unix seconds of ts)), standard base64
// with padding, with key used as its UTF-8 bytes. mvgen passes the whole
// "whsec_…" secret as key. The signature does not cover the body.
func SignLegacy(key, taskID string, ts time.Time) string {
	return base64.StdEncoding.EncodeToString(macLegacy([]byte(key), taskID, ts.Unix()))
}

// SetHeaders signs a callback body and sets its headers on h:
//
//   - webhook-id: msgID; webhook-timestamp: ts in Unix seconds;
//   - webhook-signature: one "v1,…" [Sign] signature per secret, in the order
//     given, space-separated;
//   - X-Webhook-Timestamp: ts in Unix seconds; X-Webhook-Signature: the
//     [SignLegacy] signature of taskID, keyed with the first secret only;
//   - Content-Type: application/json.
//
// The first secret is the current one. While a key is being rotated, pass the
// new secret first and the old ones after it: Standard Webhooks receivers
// holding either secret verify the callback, and legacy receivers (who can
// check one signature only) must switch to the new secret.
//
// SetHeaders returns an error wrapping [ErrInvalidSecret], and leaves h
// unchanged, when no secret is given or one cannot be decoded.
func SetHeaders(h http.Header, msgID, taskID string, ts time.Time, body []byte, secrets ...string) error {
	if len(secrets) == 0 {
		return fmt.Errorf("setting webhook headers: no secret: %w", ErrInvalidSecret)
	}
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return fmt.Errorf("setting webhook headers: secret %d: %w", i+1, err)
		}
		sigs[i] = sig
	}
	unix := strconv.FormatInt(ts.Unix(), 10)
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, unix)
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	h.Set(HeaderLegacyTimestamp, unix)
	h.Set(HeaderLegacySignature, SignLegacy(secrets[0], taskID, ts))
	h.Set("Content-Type", "application/json")
	return nil
}

// mac is HMAC-SHA256(key, msgID.unix.body).
func mac(key []byte, msgID string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, unix, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// macLegacy is HMAC-SHA256(key, taskID.unix).
func macLegacy(key []byte, taskID string, unix int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(taskID))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, unix, 10))
	return m.Sum(nil)
}
