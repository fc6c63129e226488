package mvgen

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"
)

// NewKey returns a new API key named name, signing callbacks with
// webhookSecret, and its token: shown to the user once, stored only as its
// hash.
func NewKey(name, webhookSecret string, now time.Time) (k *Key, token string) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	// A prefix to recognise it, and 192 random bits.
	token = "mvk_" + base64.RawURLEncoding.EncodeToString(b[:])
	k = &Key{ID: "key_" + NewID()[:12], Name: name, TokenHash: HashToken(token),
		WebhookSecret: webhookSecret, CreatedAt: now.UTC()}
	return k, token
}

// HashToken is how API keys are stored: SHA-256 of the token. Tokens carry
// 192 random bits, so a fast hash is enough; the token never touches disk.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Signing returns the webhook secrets that sign at now: the current one
// first, then the previous one during a rotation's overlap.
func (k *Key) Signing(now time.Time) []string {
	s := []string{k.WebhookSecret}
	if k.PrevWebhookSecret != "" && now.Before(k.PrevSecretUntil) {
		s = append(s, k.PrevWebhookSecret)
	}
	return s
}

// LogValue keeps a key's secrets out of logs: a logged key shows its id and
// name only (slog.LogValuer).
func (k *Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("name", k.Name))
}

// String is the key as fmt prints it: its id and name, never its secrets.
func (k *Key) String() string { return k.ID + " (" + k.Name + ")" }
