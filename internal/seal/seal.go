package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every sealed value.
const Prefix = "sealed:v1:"

// KeySize is an operator key's size in bytes.
const KeySize = 32

// ErrNoKey is the error for a sealed value when no operator key is given.
var ErrNoKey = errors.New("it is sealed and no operator key was given: " +
	"give the key it was sealed with (--secret-key-file or MVGEN_SECRET_KEY)")

// ErrWrongKey is the error for a sealed value that does not open with the
// key given: it was sealed with another key (or, moved from another row,
// belongs to another place, or was altered).
var ErrWrongKey = errors.New("it does not open with the operator key given: give the key it was sealed with " +
	"(--secret-key-file or MVGEN_SECRET_KEY); mvgen keys reseal moves secrets from one key to another")

// Key is an operator key, ready to seal and open values. A nil *Key is no
// key: it seals nothing, passes plain values through and refuses sealed
// ones with ErrNoKey.
type Key struct {
	aead cipher.AEAD
}

// ParseKey reads an operator key: 32 bytes as 64 hex digits or as base64
// (standard or URL alphabet, with or without padding). Surrounding white
// space, such as a key file's final newline, is ignored. Its errors never
// quote the text.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	if b, err := hex.DecodeString(text); err == nil && len(text) == 2*KeySize {
		raw = b
	} else {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(text); err == nil {
				raw = b
				break
			}
		}
	}
	if len(raw) != KeySize {
		return nil, fmt.Errorf("an operator key is %d random bytes written as 64 hex digits or in base64 "+
			"(mvgen keys new-secret-key makes one); this is %d characters that are neither", KeySize, len(text))
	}
	return newKey(raw)
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{aead: aead}, nil
}

// NewKeyText returns a new operator key: 32 bytes from crypto/rand as 64
// hex digits.
func NewKeyText() string {
	return hex.EncodeToString(randomBytes(KeySize))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// IsSealed reports whether v is a sealed value.
func IsSealed(v []byte) bool { return strings.HasPrefix(string(v), Prefix) }

// Seal returns plain sealed for the place ad names (see the package
// documentation). A nil Key returns plain as it is.
func (k *Key) Seal(plain []byte, ad string) []byte {
	if k == nil {
		return plain
	}
	nonce := randomBytes(k.aead.NonceSize())
	box := k.aead.Seal(nonce, nonce, plain, []byte(ad))
	out := make([]byte, len(Prefix)+base64.StdEncoding.EncodedLen(len(box)))
	copy(out, Prefix)
	base64.StdEncoding.Encode(out[len(Prefix):], box)
	return out
}

// Open returns the plain value of v, sealed for the place ad names. A
// value that is not sealed is returned as it is; a sealed one is ErrNoKey
// with a nil Key, and ErrWrongKey when it does not open.
func (k *Key) Open(v []byte, ad string) ([]byte, error) {
	if !IsSealed(v) {
		return v, nil
	}
	if k == nil {
		return nil, ErrNoKey
	}
	box, err := base64.StdEncoding.DecodeString(string(v[len(Prefix):]))
	n := k.aead.NonceSize()
	if err != nil || len(box) < n+k.aead.Overhead() {
		return nil, ErrWrongKey
	}
	plain, err := k.aead.Open(nil, box[:n], box[n:], []byte(ad))
	if err != nil {
		return nil, ErrWrongKey
	}
	return plain, nil
}
