package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/store"
)

// The cases on secrets sealed at rest (store/secrets.go): what a dump of
// the database shows, what a store without the key or with another one
// does, moving to a new key, and nodes sealing at the same time.

func newSealKey(t *testing.T) *seal.Key {
	t.Helper()
	k, err := seal.ParseKey(seal.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func reopen(t *testing.T, env Env, key *seal.Key) Sealing {
	t.Helper()
	s, err := env.DB.Reopen(context.Background(), key)
	if err != nil {
		t.Fatalf("reopening the database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dump is what a dump of the tables that hold secrets shows.
func dump(t *testing.T, env Env) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"mvgen_key", "mvgen_secret"} {
		d, err := env.DB.Dump(context.Background(), table)
		if err != nil {
			t.Fatalf("dumping %s: %v", table, err)
		}
		b.WriteString(d)
	}
	return b.String()
}

// secretKey is a key whose secrets are easy to find in a dump.
func secretKey(t *testing.T, s store.Store, name string) *mvgen.Key {
	t.Helper()
	ctx := context.Background()
	k := &mvgen.Key{ID: mvgen.NewID(), Name: name, TokenHash: []byte(mvgen.NewID()),
		WebhookSecret: "whsec_plain-" + name + "-first", UpstreamKey: "sk-plain-" + name, CreatedAt: now}
	if err := s.CreateKey(ctx, k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if err := s.RotateSecret(ctx, k.ID, "whsec_plain-"+name+"-second", now.Add(24*time.Hour)); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	k.PrevWebhookSecret, k.WebhookSecret, k.PrevSecretUntil = k.WebhookSecret, "whsec_plain-"+name+"-second", now.Add(24*time.Hour)
	return k
}

// plainValues are k's secrets as they must never appear in a dump.
func plainValues(k *mvgen.Key) []string {
	return []string{k.WebhookSecret, k.PrevWebhookSecret, k.UpstreamKey}
}

// checkKey reads k back through s: its secrets in plain text.
func checkKey(t *testing.T, s store.Store, k *mvgen.Key, when string) {
	t.Helper()
	ctx := context.Background()
	byID, err := s.Key(ctx, k.ID)
	if err != nil {
		t.Fatalf("%s: Key: %v", when, err)
	}
	byToken, err := s.KeyByTokenHash(ctx, k.TokenHash)
	if err != nil {
		t.Fatalf("%s: KeyByTokenHash: %v", when, err)
	}
	for _, got := range []*mvgen.Key{byID, byToken} {
		if got.WebhookSecret != k.WebhookSecret || got.PrevWebhookSecret != k.PrevWebhookSecret ||
			got.UpstreamKey != k.UpstreamKey {
			t.Errorf("%s: key %s reads secret %q, previous %q, upstream %q; want %q, %q, %q", when, k.Name,
				got.WebhookSecret, got.PrevWebhookSecret, got.UpstreamKey, k.WebhookSecret, k.PrevWebhookSecret, k.UpstreamKey)
		}
	}
}

func wantSealed(t *testing.T, err error, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) || !strings.Contains(err.Error(), "--secret-key-file") ||
		!strings.Contains(err.Error(), "MVGEN_SECRET_KEY") {
		t.Errorf("%s: error %v; want %v, naming --secret-key-file and MVGEN_SECRET_KEY", what, err, want)
	}
}

// testSealedSecrets: secrets stored in plain text are sealed by
// SealSecrets, secrets written with a key are sealed as written; a dump
// shows none of them; the store reads them as they were; a store without
// the key refuses, naming the flag.
func testSealedSecrets(t *testing.T, env Env) {
	ctx := context.Background()
	plain := env.Store
	alice := secretKey(t, plain, "alice")
	link, err := plain.Secret(ctx, "link-key", func() []byte { return []byte("link-key-plain-0123456789") })
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(plainValues(alice), string(link))
	before := dump(t, env)
	for _, v := range secrets {
		if !strings.Contains(before, v) {
			t.Fatalf("the dump before sealing lacks %q: it does not show what is stored:\n%s", v, before)
		}
	}

	key := newSealKey(t)
	sealed := reopen(t, env, key)
	r, err := sealed.SealSecrets(ctx)
	if err != nil || r != (store.SealReport{Sealed: 4}) {
		t.Fatalf("SealSecrets = %+v, %v; want 4 sealed", r, err)
	}
	checkKey(t, sealed, alice, "sealed at start")
	if got, err := sealed.Secret(ctx, "link-key", func() []byte { return []byte("another") }); err != nil || string(got) != string(link) {
		t.Errorf("sealed link key reads %q, %v; want %q", got, err, link)
	}

	// Written with the key: a new key, its rotation, its upstream key and
	// a new stored secret.
	bob := secretKey(t, sealed, "bob")
	bob.UpstreamKey = "sk-plain-bob-2"
	if err := sealed.SetUpstreamKey(ctx, bob.ID, bob.UpstreamKey); err != nil {
		t.Fatal(err)
	}
	other, err := sealed.Secret(ctx, "other", func() []byte { return []byte("other-plain-secret") })
	if err != nil || string(other) != "other-plain-secret" {
		t.Fatalf("Secret(other) = %q, %v", other, err)
	}
	checkKey(t, sealed, bob, "written sealed")
	secrets = append(secrets, append(plainValues(bob), "sk-plain-bob", string(other))...)
	after := dump(t, env)
	for _, v := range secrets {
		if strings.Contains(after, v) {
			t.Errorf("the dump shows %q:\n%s", v, after)
		}
	}
	if n := strings.Count(after, seal.Prefix); n != 8 {
		t.Errorf("the dump holds %d sealed values, want 8:\n%s", n, after)
	}
	if r, err := sealed.SealSecrets(ctx); err != nil || r != (store.SealReport{Kept: 8}) {
		t.Errorf("SealSecrets again = %+v, %v; want the 8 values kept as they are", r, err)
	}
	// "" is no upstream key, sealed or not.
	if err := sealed.SetUpstreamKey(ctx, bob.ID, ""); err != nil {
		t.Fatal(err)
	}
	bob.UpstreamKey = ""
	checkKey(t, sealed, bob, "upstream key cleared")

	// Without the key: refused, naming the flag, from the start step on.
	_, err = plain.Key(ctx, alice.ID)
	wantSealed(t, err, seal.ErrNoKey, "Key without the operator key")
	if err != nil && !strings.Contains(err.Error(), alice.ID) {
		t.Errorf("error %v does not name the key whose secret it is", err)
	}
	_, err = plain.Secret(ctx, "link-key", func() []byte { return []byte("another") })
	wantSealed(t, err, seal.ErrNoKey, "Secret without the operator key")
	_, err = reopen(t, env, nil).SealSecrets(ctx)
	wantSealed(t, err, seal.ErrNoKey, "SealSecrets without the operator key")
}

// testSealWrongKey: with another key, reads and the start step fail
// clearly and change nothing; a sealed value copied to another row or
// another kind of secret does not open.
func testSealWrongKey(t *testing.T, env Env) {
	ctx := context.Background()
	right := reopen(t, env, newSealKey(t))
	alice, carol := secretKey(t, right, "alice"), secretKey(t, right, "carol")
	before := dump(t, env)

	wrong := reopen(t, env, newSealKey(t))
	_, err := wrong.Key(ctx, alice.ID)
	wantSealed(t, err, seal.ErrWrongKey, "Key with another operator key")
	_, err = wrong.KeyByTokenHash(ctx, alice.TokenHash)
	wantSealed(t, err, seal.ErrWrongKey, "KeyByTokenHash with another operator key")
	_, err = wrong.SealSecrets(ctx)
	wantSealed(t, err, seal.ErrWrongKey, "SealSecrets with another operator key")
	if after := dump(t, env); after != before {
		t.Errorf("a failed SealSecrets changed the database:\n%s\nwas\n%s", after, before)
	}

	// Alice's sealed upstream key copied to carol's row, and her webhook
	// secret to her own upstream key.
	for _, stmt := range []string{
		`UPDATE mvgen_key SET upstream_key = (SELECT upstream_key FROM mvgen_key WHERE id = '` + alice.ID + `') WHERE id = '` + carol.ID + `'`,
		`UPDATE mvgen_key SET upstream_key = webhook_secret WHERE id = '` + alice.ID + `'`,
	} {
		if err := env.DB.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []*mvgen.Key{carol, alice} {
		if _, err := right.Key(ctx, k.ID); !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), "upstream key") {
			t.Errorf("%s's upstream key moved from elsewhere: Key = %v, want ErrWrongKey about the upstream key", k.Name, err)
		}
	}
}

// testReseal: SealSecrets with the previous key moves every secret to the
// new key (mvgen keys reseal), again changes nothing, and without a key it
// opens them back to plain text (--unseal).
func testReseal(t *testing.T, env Env) {
	ctx := context.Background()
	oldKey, newKey := newSealKey(t), newSealKey(t)
	old := reopen(t, env, oldKey)
	alice := secretKey(t, old, "alice")
	link, err := old.Secret(ctx, "link-key", func() []byte { return []byte("link-key-plain-0123456789") })
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(plainValues(alice), string(link))

	moved := reopen(t, env, newKey)
	if r, err := moved.SealSecrets(ctx, oldKey); err != nil || r != (store.SealReport{Resealed: 4}) {
		t.Fatalf("SealSecrets(old key) = %+v, %v; want 4 resealed", r, err)
	}
	checkKey(t, moved, alice, "resealed")
	d := dump(t, env)
	for _, v := range secrets {
		if strings.Contains(d, v) {
			t.Errorf("after reseal the dump shows %q", v)
		}
	}
	_, err = old.Key(ctx, alice.ID)
	wantSealed(t, err, seal.ErrWrongKey, "the old key after reseal")
	if r, err := moved.SealSecrets(ctx, oldKey); err != nil || r != (store.SealReport{Kept: 4}) {
		t.Errorf("SealSecrets(old key) again = %+v, %v; want the 4 values kept", r, err)
	}

	if r, err := reopen(t, env, nil).SealSecrets(ctx, newKey); err != nil || r != (store.SealReport{Unsealed: 4}) {
		t.Fatalf("SealSecrets without a key, given the key = %+v, %v; want 4 unsealed", r, err)
	}
	checkKey(t, env.Store, alice, "unsealed")
	if d := dump(t, env); strings.Contains(d, seal.Prefix) {
		t.Errorf("after unsealing the dump still holds sealed values:\n%s", d)
	}
}

// testSealConcurrently: nodes starting together with the key seal each
// value once between them.
func testSealConcurrently(t *testing.T, env Env) {
	ctx := context.Background()
	var keys []*mvgen.Key
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		keys = append(keys, secretKey(t, env.Store, name))
	}
	if _, err := env.Store.Secret(ctx, "link-key", func() []byte { return []byte("link-key-plain-0123456789") }); err != nil {
		t.Fatal(err)
	}
	key := newSealKey(t)
	const nodes = 4
	stores := make([]Sealing, nodes)
	for i := range stores {
		stores[i] = reopen(t, env, key)
	}
	reports := make([]store.SealReport, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			reports[i], errs[i] = s.SealSecrets(ctx)
		}()
	}
	close(start)
	wg.Wait()
	sealed := 0
	for i := range nodes {
		if errs[i] != nil {
			t.Errorf("node %d: SealSecrets: %v", i, errs[i])
		}
		sealed += reports[i].Sealed
	}
	if sealed != 16 {
		t.Errorf("the nodes sealed %d values between them (%+v), want each of the 16 once", sealed, reports)
	}
	for _, k := range keys {
		checkKey(t, stores[0], k, "sealed by nodes together")
	}
	if n := strings.Count(dump(t, env), seal.Prefix); n != 16 {
		t.Errorf("the dump holds %d sealed values, want 16", n)
	}
}
