package s3

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want config
	}{
		{"s3://videos?endpoint=s3.example.com:9000&region=eu-west-1",
			config{bucket: "videos", endpoint: "s3.example.com:9000", secure: true, region: "eu-west-1"}},
		{"s3://videos?endpoint=127.0.0.1:7070&secure=false",
			config{bucket: "videos", endpoint: "127.0.0.1:7070"}},
		{"s3://videos?endpoint=http://127.0.0.1:7070&region=us-east-1",
			config{bucket: "videos", endpoint: "127.0.0.1:7070", region: "us-east-1"}},
		{"s3://videos?endpoint=https://s3.amazonaws.com/",
			config{bucket: "videos", endpoint: "s3.amazonaws.com", secure: true}},
		{"s3://videos/?endpoint=http://[::1]:7070&secure=false&prefix=/mvgen/prod/",
			config{bucket: "videos", endpoint: "[::1]:7070", prefix: "mvgen/prod"}},
		{"s3://videos?endpoint=minio:9000&secure=true&prefix=a",
			config{bucket: "videos", endpoint: "minio:9000", secure: true, prefix: "a"}},
	}
	for _, tt := range tests {
		got, err := parseURL(tt.raw)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.raw, err)
			continue
		}
		if got != tt.want {
			t.Errorf("parseURL(%q):\n got %+v\nwant %+v", tt.raw, got, tt.want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
	}{
		{"s3://videos", "--blob s3://videos: endpoint is required"},
		{"s3://videos?region=us-east-1", "endpoint is required"},
		{"s3://videos?endpoint=", "endpoint is required"},
		{"s3://videos?endpoint=http://", "endpoint is required"},
		{"s3://?endpoint=h:1", "bucket is required"},
		{"s3:///?endpoint=h:1", "bucket is required"},
		{"s3:videos?endpoint=h:1", "want s3://BUCKET"},
		{"http://videos?endpoint=h:1", "scheme must be s3"},
		{"videos", "scheme must be s3"},
		{"s3://Bad_Bucket?endpoint=h:1", "invalid bucket name"},
		{"s3://ab?endpoint=h:1", "invalid bucket name"},
		{"s3://videos:9000?endpoint=h:1", "invalid bucket name"},
		{"s3://key:secret@videos?endpoint=h:1", "credentials do not belong in the URL"},
		{"s3://videos/some/path?endpoint=h:1", "give a key prefix as ?prefix="},
		{"s3://videos?endpoint=ftp://h:1", "endpoint scheme must be http or https"},
		{"s3://videos?endpoint=http://h:1/path", "endpoint must be only scheme://host:port"},
		{"s3://videos?endpoint=http://u:p@h:1", "endpoint must be only scheme://host:port"},
		{"s3://videos?endpoint=h:1/path", "invalid endpoint"},
		{"s3://videos?endpoint=h:1&secure=maybe", "secure must be true or false"},
		{"s3://videos?endpoint=http://h:1&secure=true", "contradicts"},
		{"s3://videos?endpoint=https://h:1&secure=false", "contradicts"},
		{"s3://videos?endpoint=h:1&prefix=a/../b", "invalid prefix"},
		{"s3://videos?endpoint=h:1&prefix=a//b", "invalid prefix"},
		{"s3://videos?endpoint=h:1&endpont=h:2", `unknown parameter "endpont"`},
		{"s3://videos?endpoint=h:1&endpoint=h:2", "given 2 times"},
		{"s3://videos?endpoint=h:1&region=%zz", "invalid query"},
		{"s3://videos?endpoint=h:1#frag", "unexpected fragment"},
	}
	for _, tt := range tests {
		_, err := parseURL(tt.raw)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseURL(%q): got %v, want an error containing %q", tt.raw, err, tt.want)
		}
	}
}

func TestParseURLHidesCredentials(t *testing.T) {
	t.Parallel()
	_, err := parseURL("s3://AKIDEXAMPLE:wJalrXUtnFEMI@videos?endpoint=h:1")
	if err == nil || strings.Contains(err.Error(), "wJalrXUtnFEMI") {
		t.Errorf("got %v, want an error without the secret", err)
	}
}

func TestContentDisposition(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"", "inline"},
		{"clip.mp4", `inline; filename="clip.mp4"`},
		{`a "b" \c.mp4`, `inline; filename="a _b_ _c.mp4"`},
		{"line\r\nbreak.mp4", `inline; filename="line__break.mp4"`},
		{"歌.mp4", `inline; filename="_.mp4"; filename*=UTF-8''%E6%AD%8C.mp4`},
	}
	for _, tt := range tests {
		if got := contentDisposition(tt.name); got != tt.want {
			t.Errorf("contentDisposition(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPartSizeFor(t *testing.T) {
	t.Parallel()
	s := &Store{partSize: defaultPartSize}
	tests := []struct {
		limit, want int64
	}{
		{0, defaultPartSize},
		{-1, defaultPartSize},
		{100, minPartSize},
		{10 << 20, minPartSize},
		{200 << 20, minPartSize}, // an API upload at the default cap: 5 MiB held, not 16
		{defaultPartSize, minPartSize},
		{50000 << 20, 50000<<20/maxParts + 1},
		{1 << 40, (1<<40 + maxParts) / maxParts},
	}
	for _, tt := range tests {
		if got := s.partSizeFor(tt.limit); got != tt.want {
			t.Errorf("partSizeFor(%d): got %d, want %d", tt.limit, got, tt.want)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"s3://videos?endpoint=h:1",
		"s3://videos?endpoint=http://127.0.0.1:7070&region=us-east-1&prefix=a/b",
		"s3://videos?endpoint=https://h&secure=true",
		"s3://u:p@videos/x?endpoint=ftp://h#f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := parseURL(raw)
		if err != nil {
			return
		}
		if c.bucket == "" || c.endpoint == "" {
			t.Fatalf("parseURL(%q) = %+v: want a bucket and an endpoint", raw, c)
		}
		if c.prefix != "" && !validKey(c.prefix) {
			t.Fatalf("parseURL(%q) gave invalid prefix %q", raw, c.prefix)
		}
	})
}
