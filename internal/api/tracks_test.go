package api_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mvgen/mvgen/internal/blob"
)

// countingBlobs counts the objects written to a blob store.
type countingBlobs struct {
	blob.Store
	puts atomic.Int64
}

func (c *countingBlobs) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	c.puts.Add(1)
	return c.Store.Put(ctx, key, r, limit)
}

// TestUploadPartsBounded (issue 19 item 2): every audio part of an upload
// is stored and probed, so a field sent twice is 422 naming it before the
// second copy is read, and more than 16 parts in all (unknown ones
// included) is 422; the refused upload leaves no file behind.
func TestUploadPartsBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	blobs := &countingBlobs{Store: f.h.Blobs}
	f.h.Blobs = blobs
	c := f.client("c")
	part := func(name, content string) string {
		return "--B\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"a\"\r\n\r\n" + content + "\r\n"
	}
	const end = "--B--\r\n"
	for _, tc := range []struct {
		name    string
		body    string
		want    int
		wantMsg string
		puts    int64 // objects written, at most
	}{
		{"one of each", part("audio", "ID3 a") + part("cover", "PNG") + part("title", "t") + part("tags", "x") +
			part("lyrics", "[00:01.00]la") + end, 200, "", 2},
		{"100 audio parts", strings.Repeat(part("audio", "ID3 a"), 100) + end, 422, "audio: sent twice; send one audio part", 1},
		{"cover twice", part("cover", "PNG") + part("audio", "ID3 a") + part("cover", "PNG") + end, 422, "cover: sent twice; send one cover part", 2},
		{"title twice", part("title", "a") + part("title", "b") + part("audio", "ID3 a") + end, 422, "title: sent twice", 0},
		{"lyrics twice", part("lyrics", "[00:01.00]a") + part("lyrics", "[00:01.00]b") + end, 422, "lyrics: sent twice", 0},
		{"16 parts", part("audio", "ID3 a") + strings.Repeat(part("note", "x"), 15) + end, 200, "", 1},
		{"17 parts", part("audio", "ID3 a") + strings.Repeat(part("note", "x"), 16) + end, 422, "more than 16 multipart parts", 1},
		{"10,000 unknown parts", strings.Repeat(part("note", "x"), 10000) + part("audio", "ID3 a") + end, 422, "more than 16 multipart parts", 0},
	} {
		blobs.puts.Store(0)
		e := c.do(http.MethodPost, "/api/v1/tracks", multipartContentType, strings.NewReader(tc.body))
		if e.Code != tc.want || e.HTTP != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
			t.Errorf("%s: got %d (HTTP %d) %q, want %d %q", tc.name, e.Code, e.HTTP, e.Msg, tc.want, tc.wantMsg)
		}
		if n := blobs.puts.Load(); n > tc.puts {
			t.Errorf("%s: %d objects written, want at most %d", tc.name, n, tc.puts)
		}
	}
	// Only the two accepted uploads' files are left.
	var files []string
	filepath.WalkDir(filepath.Join(f.files, "sources"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 3 { // one audio and cover, one audio
		t.Errorf("files left: %q, want the accepted uploads' 3", files)
	}
}
