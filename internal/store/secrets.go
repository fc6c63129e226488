package store

// Secrets at rest. A store given an operator key (internal/seal) keeps
// every secret sealed: each API key's webhook secret, the previous one kept
// during a rotation and its upstream key (mvgen.Key's fields), and each
// value of Store.Secret (the link key). It seals them as it writes them and
// opens them as it reads them, so callers see plain mvgen.Key fields. A
// value's additional data is its place, so that a sealed value copied to
// another row, or to another kind of secret, does not open:
//
//	mvgen_key:<key id>:webhook    webhook secret and previous webhook secret
//	mvgen_key:<key id>:upstream   upstream key
//	mvgen_secret:<name>           a Store.Secret value
//
// The two webhook secrets share theirs: a rotation moves the current one
// to the previous one in the database, sealed as it is. "" stays "" (no
// previous secret, no upstream key). A store without a key writes plain
// text and refuses a sealed value with seal.ErrNoKey.
//
// The drivers' SealSecrets brings the values already stored under the
// store's key, at start (see SealReport).

// SealReport is what a driver's SealSecrets found and did, value by value.
type SealReport struct {
	// Sealed values were plain text and are now sealed with the key.
	Sealed int
	// Resealed values were sealed with a previous key and now are with
	// the key (mvgen keys reseal).
	Resealed int
	// Unsealed values were sealed with a previous key and are now plain
	// text: the store has no key (mvgen keys reseal --unseal).
	Unsealed int
	// Kept values were sealed with the key already.
	Kept int
	// Plain values are plain text and stay so: the store has no key.
	Plain int
}
