package s3_test

import (
	"context"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/blob/s3"
)

// Open a bucket on a local S3-compatible server (credentials in
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), store a video, and send a
// client to a short-lived presigned URL for it.
func Example() {
	ctx := context.Background()
	store, err := s3.Open(ctx, "s3://videos?endpoint=http://127.0.0.1:7070&region=us-east-1&prefix=mvgen")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.Put(ctx, "tasks/42/video.mp4", strings.NewReader("…"), 500<<20); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("GET /v/42", func(w http.ResponseWriter, r *http.Request) {
		u, err := store.PresignGet(r.Context(), "tasks/42/video.mp4", 10*time.Minute, "my song.mp4")
		if err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	})
}
