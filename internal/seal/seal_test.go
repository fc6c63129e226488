package seal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/seal"
)

func mustKey(t *testing.T, text string) *seal.Key {
	t.Helper()
	k, err := seal.ParseKey(text)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k
}

// TestSealOpen: a value opens with its key and its place only; the sealed
// text shows nothing of it.
func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, other := mustKey(t, seal.NewKeyText()), mustKey(t, seal.NewKeyText())
	plain := []byte("whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	v := k.Seal(plain, "mvgen_key:key_1:webhook")
	if !seal.IsSealed(v) || !strings.HasPrefix(string(v), seal.Prefix) || bytes.Contains(v, plain) {
		t.Fatalf("Seal = %q, want %q and no plain text", v, seal.Prefix+"…")
	}
	if box, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(v), seal.Prefix)); err != nil ||
		len(box) != 12+len(plain)+16 {
		t.Errorf("sealed body: %d bytes, %v; want base64 of a 12-byte nonce, the ciphertext and a 16-byte tag", len(box), err)
	}
	if again := k.Seal(plain, "mvgen_key:key_1:webhook"); bytes.Equal(again, v) {
		t.Errorf("two seals of one value are equal: the nonce is not random")
	}
	got, err := k.Open(v, "mvgen_key:key_1:webhook")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v; want %q", got, err, plain)
	}
	tampered := bytes.Clone(v)
	tampered[len(tampered)-3] ^= 1
	for _, tc := range []struct {
		name string
		key  *seal.Key
		v    []byte
		ad   string
		want error
	}{
		{"another key", other, v, "mvgen_key:key_1:webhook", seal.ErrWrongKey},
		{"moved to another key's row", k, v, "mvgen_key:key_2:webhook", seal.ErrWrongKey},
		{"moved to another column", k, v, "mvgen_key:key_1:upstream", seal.ErrWrongKey},
		{"altered", k, tampered, "mvgen_key:key_1:webhook", seal.ErrWrongKey},
		{"not base64", k, []byte(seal.Prefix + "!!"), "x", seal.ErrWrongKey},
		{"too short", k, []byte(seal.Prefix + "AAAA"), "x", seal.ErrWrongKey},
		{"no key", nil, v, "mvgen_key:key_1:webhook", seal.ErrNoKey},
	} {
		if got, err := tc.key.Open(tc.v, tc.ad); !errors.Is(err, tc.want) {
			t.Errorf("%s: Open = %q, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	for _, msg := range []string{seal.ErrNoKey.Error(), seal.ErrWrongKey.Error()} {
		if !strings.Contains(msg, "--secret-key-file") || !strings.Contains(msg, "MVGEN_SECRET_KEY") {
			t.Errorf("error %q does not name the flag and the variable that give the key", msg)
		}
	}
}

// TestNoKey: without a key values stay plain, and plain values pass
// through Open whatever the key.
func TestNoKey(t *testing.T) {
	t.Parallel()
	var none *seal.Key
	if got := none.Seal([]byte("whsec_x"), "a"); string(got) != "whsec_x" {
		t.Errorf("nil Key: Seal = %q, want the value as it is", got)
	}
	for _, k := range []*seal.Key{none, mustKey(t, seal.NewKeyText())} {
		if got, err := k.Open([]byte("whsec_x"), "a"); err != nil || string(got) != "whsec_x" {
			t.Errorf("Open(plain) = %q, %v; want it as it is", got, err)
		}
	}
}

// TestParseKey: 32 bytes in hex or any base64 form, white space around
// ignored; anything else refused without being quoted.
func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xfb, 0xff, 0x01, 0x7e}, 8) // + and / in standard base64
	plain := []byte("upstream-key")
	sealed := mustKey(t, hex.EncodeToString(raw)).Seal(plain, "p")
	for _, text := range []string{
		hex.EncodeToString(raw),
		strings.ToUpper(hex.EncodeToString(raw)),
		base64.StdEncoding.EncodeToString(raw),
		base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		"  " + hex.EncodeToString(raw) + "\n",
		base64.StdEncoding.EncodeToString(raw) + "\r\n",
	} {
		k, err := seal.ParseKey(text)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", text, err)
			continue
		}
		if got, err := k.Open(sealed, "p"); err != nil || !bytes.Equal(got, plain) {
			t.Errorf("ParseKey(%q) is another key: Open = %q, %v", text, got, err)
		}
	}
	const secretish = "not-a-key-but-secret"
	for _, text := range []string{
		"", secretish,
		hex.EncodeToString(raw[:31]), hex.EncodeToString(append(raw, 0)),
		base64.StdEncoding.EncodeToString(raw[:16]),
	} {
		_, err := seal.ParseKey(text)
		if err == nil {
			t.Errorf("ParseKey(%q) = a key, want an error", text)
			continue
		}
		if !strings.Contains(err.Error(), "mvgen keys new-secret-key") || (text != "" && strings.Contains(err.Error(), text)) {
			t.Errorf("ParseKey(%q): error %q; want one that says how to make a key and does not quote the text", text, err)
		}
	}
	if a, b := seal.NewKeyText(), seal.NewKeyText(); a == b || len(a) != 64 {
		t.Errorf("NewKeyText = %q, %q; want two different 64-digit keys", a, b)
	}
}
