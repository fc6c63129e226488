package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// SecretPrefix starts every serialized webhook secret.
const SecretPrefix = "whsec_"

// secretBytes is how many random bytes [NewSecret] draws.
const secretBytes = 24

// NewSecret returns a new random webhook secret: [SecretPrefix] followed by the
// standard base64 encoding of 24 bytes from crypto/rand.
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook: generating secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// DecodeSecret returns the HMAC key that the Standard Webhooks scheme uses for
// secret s: the bytes encoded by the standard base64 after [SecretPrefix]. Like
// the Standard Webhooks reference libraries it accepts s with or without the
// prefix. An empty or undecodable secret yields an error wrapping
// [ErrInvalidSecret]; the error never contains the secret.
func DecodeSecret(s string) ([]byte, error) {
	enc := strings.TrimPrefix(s, SecretPrefix)
	if enc == "" {
		return nil, fmt.Errorf("decoding secret: empty: %w", ErrInvalidSecret)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		// The base64 error names the offending byte's offset, never the
		// secret itself.
		return nil, fmt.Errorf("decoding secret: %w (%v)", ErrInvalidSecret, err)
	}
	return key, nil
}
