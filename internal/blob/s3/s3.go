package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/mvgen/mvgen/internal/blob"
)

// Part sizes for uploads of unknown length. minio-go buffers one part in
// memory per upload, and S3 allows at most 10,000 parts.
const (
	minPartSize     = 5 << 20  // S3's smallest non-final part
	defaultPartSize = 16 << 20 // so an unlimited Put can reach 160 GiB
	maxParts        = 10000
)

// MaxPresignTTL is the longest life S3 allows a presigned URL (SigV4).
const MaxPresignTTL = 7 * 24 * time.Hour

// Store is a blob.Store in one bucket of an S3-compatible object store,
// optionally under a key prefix. It is safe for concurrent use.
type Store struct {
	client   *minio.Client
	bucket   string
	prefix   string // "" or "dir/"
	partSize int64  // for uploads of unknown length; tests lower it
}

var _ blob.Store = (*Store)(nil)

// Open connects to the store that rawURL names,
//
//	s3://BUCKET?endpoint=HOST:PORT&region=REGION[&secure=false][&prefix=PATH]
//
// and creates the bucket if it is missing. endpoint may also be
// http://HOST:PORT or https://HOST:PORT; secure defaults to true, or to what
// the endpoint's scheme says. An empty region lets the client ask the server
// for the bucket's region. prefix puts every key under PATH/. Credentials
// come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
// else from the AWS shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
// AWS_PROFILE); Open fails if neither has any.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	c, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	where := "--blob s3://" + c.bucket
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
	})
	v, err := creds.GetWithContext(&credentials.CredContext{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("%s: reading credentials: %w", where, err)
	}
	if v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return nil, fmt.Errorf("%s: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", where)
	}
	client, err := minio.New(c.endpoint, &minio.Options{
		Creds:  creds,
		Secure: c.secure,
		Region: c.region,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s := &Store{client: client, bucket: c.bucket, partSize: defaultPartSize}
	if c.prefix != "" {
		s.prefix = c.prefix + "/"
	}
	if err := s.ensureBucket(ctx, c.region); err != nil {
		return nil, fmt.Errorf("%s at %s: %w", where, c.endpoint, err)
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("checking the bucket: %w", err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err != nil && errCode(err) != minio.BucketAlreadyOwnedByYou {
		return fmt.Errorf("creating the bucket: %w", err)
	}
	return nil
}

// object returns the object name of key, or an error for an invalid key.
func (s *Store) object(key string) (string, error) {
	if !validKey(key) {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	return s.prefix + key, nil
}

// Put implements blob.Store. It streams r as a multipart upload; if r yields
// more than limit bytes the upload is aborted, so nothing is stored (an
// object already under key stays as it was).
func (s *Store) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	name, err := s.object(key)
	if err != nil {
		return 0, err
	}
	cr := &countingReader{ctx: ctx, r: r, limit: limit}
	_, err = s.client.PutObject(ctx, s.bucket, name, cr, -1, minio.PutObjectOptions{
		PartSize:    uint64(s.partSizeFor(limit)),
		ContentType: contentType(key),
	})
	if cr.over {
		return 0, blob.ErrTooLarge
	}
	if err != nil {
		return 0, fmt.Errorf("s3: putting %s: %w", key, err)
	}
	return cr.n, nil
}

// partSizeFor picks the upload part size for a Put with this limit. A
// limited Put (an upload through the API) uses S3's smallest part unless
// the limit needs bigger ones to fit in 10,000 parts: minio-go holds one
// part in memory for the whole upload, so a client that uploads slowly
// holds 5 MiB rather than 16 (issue 11); an unlimited Put uses partSize.
func (s *Store) partSizeFor(limit int64) int64 {
	if limit <= 0 {
		return s.partSize
	}
	return max(minPartSize, (limit+maxParts)/maxParts)
}

// PutFile implements blob.Store: it uploads the local file at src and then
// removes it.
func (s *Store) PutFile(ctx context.Context, key, src string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	_, err = s.client.FPutObject(ctx, s.bucket, name, src, minio.PutObjectOptions{
		ContentType: contentType(key),
	})
	if err != nil {
		return fmt.Errorf("s3: putting %s from %s: %w", key, src, err)
	}
	return os.Remove(src)
}

// Open implements blob.Store. ctx governs every read of the returned object
// until it is closed. Reads stop with an error if the object is replaced
// meanwhile.
func (s *Store) Open(ctx context.Context, key string) (blob.Object, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("s3: opening %s: %w", key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if errCode(err) == minio.NoSuchKey {
			return nil, blob.ErrNotFound
		}
		return nil, fmt.Errorf("s3: opening %s: %w", key, err)
	}
	return &object{obj, info}, nil
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	err = s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	if err != nil && errCode(err) != minio.NoSuchKey {
		return fmt.Errorf("s3: deleting %s: %w", key, err)
	}
	return nil
}

// PresignGet returns a URL that fetches the object under key without
// credentials for ttl (at most MaxPresignTTL), answering range requests.
// The response says Content-Type video/mp4 and Content-Disposition inline
// with filename, if that is not empty. It does not check that the object
// exists. The URL points at the store's endpoint, which must be reachable by
// whoever follows it.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error) {
	name, err := s.object(key)
	if err != nil {
		return "", err
	}
	if ttl < time.Second || ttl > MaxPresignTTL {
		return "", fmt.Errorf("s3: presigning %s: ttl %v is outside 1s to %v", key, ttl, MaxPresignTTL)
	}
	params := url.Values{
		"response-content-type":        {"video/mp4"},
		"response-content-disposition": {contentDisposition(filename)},
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, name, ttl, params)
	if err != nil {
		return "", fmt.Errorf("s3: presigning %s: %w", key, err)
	}
	return u.String(), nil
}

// object is an open S3 object; minio's Object reads lazily with ranged GETs
// and supports Seek and ReadAt.
type object struct {
	*minio.Object
	info minio.ObjectInfo
}

func (o *object) Size() int64        { return o.info.Size }
func (o *object) ModTime() time.Time { return o.info.LastModified }

// countingReader counts what it yields and fails with blob.ErrTooLarge once
// that passes limit (if limit > 0), so the upload reading it is aborted.
type countingReader struct {
	ctx   context.Context
	r     io.Reader
	limit int64
	n     int64
	over  bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.limit > 0 && int64(len(p)) > c.limit+1-c.n {
		p = p[:c.limit+1-c.n] // never read more than one byte past the limit
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.limit > 0 && c.n > c.limit {
		c.over = true
		return n, blob.ErrTooLarge
	}
	return n, err
}

// errCode is the S3 error code in err, or "".
func errCode(err error) string {
	var e minio.ErrorResponse
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// contentType guesses the stored Content-Type from key's extension.
func contentType(key string) string {
	switch ext := strings.ToLower(path.Ext(key)); ext {
	case ".mp4":
		return "video/mp4"
	case "":
		return "application/octet-stream"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// contentDisposition is `inline; filename="…"` for name, with an ASCII
// fallback in filename and, for other names, the exact one in filename*
// (RFC 6266).
func contentDisposition(name string) string {
	if name == "" {
		return "inline"
	}
	var fallback strings.Builder
	ascii := true
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\':
			fallback.WriteByte('_')
		case r > 0x7f:
			fallback.WriteByte('_')
			ascii = false
		default:
			fallback.WriteRune(r)
		}
	}
	v := `inline; filename="` + fallback.String() + `"`
	if !ascii {
		v += "; filename*=UTF-8''" + encodeRFC5987(name)
	}
	return v
}

// encodeRFC5987 percent-encodes all but RFC 5987's attr-char.
func encodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// List returns the keys under prefix (of blob keys, without the store's own
// prefix), in the server's order: for operators' checks and the fault
// suite's search for orphan files.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("listing %s: %w", prefix, o.Err)
		}
		keys = append(keys, strings.TrimPrefix(o.Key, s.prefix))
	}
	return keys, nil
}
