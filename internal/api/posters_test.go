package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// TestPosterLink: record-info gives a signed poster link beside the video's
// (contract §6.3), served like the video's and signed apart from it.
func TestPosterLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	ctx := context.Background()
	musicID, audioID := c.track()
	finish := func(videoKey string) string {
		id := c.generate(map[string]any{"taskId": musicID, "audioId": audioID, "author": videoKey})
		now := time.Now()
		if _, err := f.db.FinishTask(ctx, id, store.Result{Status: mvgen.StatusSuccess, VideoKey: videoKey,
			CompletedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	jpeg := []byte("\xff\xd8\xff\xe0 a poster")
	withPoster := finish("videos/with.mp4")
	if _, err := f.h.Blobs.Put(ctx, mvgen.PosterKey("videos/with.mp4"), bytes.NewReader(jpeg), 0); err != nil {
		t.Fatal(err)
	}
	without := finish("videos/without.mp4") // rendered before posters existed

	var rec struct {
		Response struct{ VideoURL, PosterURL *string }
	}
	e := c.do(http.MethodGet, "/api/v1/mp4/record-info?taskId="+withPoster, "", nil)
	if err := json.Unmarshal(e.Data, &rec); err != nil || rec.Response.PosterURL == nil || rec.Response.VideoURL == nil {
		t.Fatalf("record-info: got %s, want videoUrl and posterUrl", e.Data)
	}
	poster, video := *rec.Response.PosterURL, *rec.Response.VideoURL
	if !strings.Contains(poster, "/v1/posters/"+withPoster+".jpg?expires=") {
		t.Errorf("posterUrl = %s, want /v1/posters/<task id>.jpg?expires=…", poster)
	}
	videoSig := video[strings.Index(video, "?"):]
	past := f.h.Links.PosterURL(withPoster, time.Now().Add(-time.Minute))
	for _, tc := range []struct {
		name, method, url string
		want              int
		body              []byte
	}{
		{"GET", http.MethodGet, poster, 200, jpeg},
		{"HEAD", http.MethodHead, poster, 200, nil},
		{"altered", http.MethodGet, strings.Replace(poster, "sig=", "sig=x", 1), 403, nil},
		{"video signature", http.MethodGet, f.srv.URL + "/v1/posters/" + withPoster + ".jpg" + videoSig, 403, nil},
		{"poster signature on the video", http.MethodGet, f.srv.URL + "/v1/videos/" + withPoster + ".mp4" + poster[strings.Index(poster, "?"):], 403, nil},
		{"expired", http.MethodGet, past, 410, nil},
		{"no poster", http.MethodGet, f.h.Links.PosterURL(without, time.Now().Add(time.Hour)), 404, nil},
		{"not .jpg", http.MethodGet, strings.Replace(poster, ".jpg", ".png", 1), 404, nil},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: got %d %q, want %d", tc.name, resp.StatusCode, body, tc.want)
			continue
		}
		if tc.want == 200 && (resp.Header.Get("Content-Type") != "image/jpeg" || resp.ContentLength != int64(len(jpeg))) {
			t.Errorf("%s: Content-Type %q, length %d; want image/jpeg, %d", tc.name, resp.Header.Get("Content-Type"), resp.ContentLength, len(jpeg))
		}
		if tc.body != nil && !bytes.Equal(body, tc.body) {
			t.Errorf("%s: body %q, want %q", tc.name, body, tc.body)
		}
	}
}
