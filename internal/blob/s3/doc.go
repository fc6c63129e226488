// Package s3 keeps mvgen's files in an S3-compatible object store (AWS S3,
// MinIO, Versity S3 Gateway, Ceph RGW, …), as the alternative to the local
// blob.Dir.
//
// The operator names the store with one URL:
//
//	s3://BUCKET?endpoint=HOST:PORT&region=REGION[&secure=false][&prefix=PATH]
//
// endpoint may also be written http://HOST:PORT or https://HOST:PORT, and
// then its scheme decides secure. Credentials never go in the URL: they come
// from the standard AWS environment variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or, failing those, the AWS shared
// credentials file. Open creates the bucket if it is missing.
//
// A Store behaves like blob.Dir: a Put over its limit stores nothing, a
// missing key opens as blob.ErrNotFound, and deleting a missing key is not an
// error. PresignGet gives a short-lived URL that a client can fetch the object
// from directly (with range requests), so the service can redirect its own
// long-lived signed links there instead of relaying the bytes.
//
// The tests run against a real Versity S3 Gateway that
// scripts/versitygw.sh builds and starts, or against the store that
// MVGEN_TEST_S3 names (an s3:// URL as above, credentials in the environment).
package s3
