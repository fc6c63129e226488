// Package seal encrypts the secrets mvgen keeps in its database (each API
// key's webhook secrets and upstream key, the link key) under an operator
// key, so that a dump or a backup of the database gives none of them away.
//
// An operator key is 32 random bytes, written as 64 hex digits or in
// base64 ([NewKeyText] writes one; `mvgen keys new-secret-key` prints it).
// mvgen reads it from the file --secret-key-file names, or from the
// environment variable MVGEN_SECRET_KEY; it never goes into the database
// or a backup.
//
// A sealed value is text:
//
//	sealed:v1:<base64 of nonce || ciphertext>
//
// AES-256-GCM from the standard library, a random 12-byte nonce per value
// (a key seals a few values per API key, far below GCM's 2^32 random
// nonces), and the place the value belongs to as additional data: a value
// moved to another row, or to another kind of secret, does not open. The
// "v1" names this construction, so that another can be told apart later.
// A value without the prefix is plain text, as stored before sealing was
// turned on: [Open] passes it through, and the store seals it at its next
// start with a key.
package seal
