package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/mvgen/mvgen/client"
)

// The main flow: upload a song, ask for its video, wait for the render and
// download the MP4. live.URL() and live.key are the test server's address
// and an API key from `mvgen keys create`.
func Example() {
	ctx := context.Background()
	c := client.New(live.URL(), live.key)

	song, err := os.Open(live.audio)
	if err != nil {
		log.Fatal(err)
	}
	defer song.Close()
	track, err := c.UploadTrack(ctx, client.Upload{Audio: song, AudioName: "song.wav", Title: "Sine"})
	if err != nil {
		log.Fatal(err)
	}
	taskID, err := c.Generate(ctx, client.GenerateRequest{
		TaskID: track.TaskID, AudioID: track.AudioID,
		Author: "The Testers", DomainName: "example.com", Aspect: "9:16",
	})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := c.WaitForVideo(ctx, taskID, nil)
	if err != nil {
		log.Fatal(err)
	}
	var video bytes.Buffer
	if _, err := c.Download(ctx, rec.VideoURL, &video, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", rec.SuccessFlag)
	fmt.Println("progress:", rec.Progress)
	fmt.Println("link valid for 14 days:", rec.ExpireTime.Sub(rec.CompleteTime) == 14*24*time.Hour)
	fmt.Println("MP4:", string(video.Bytes()[4:8]) == "ftyp")
	// Output:
	// status: SUCCESS
	// progress: 100
	// link valid for 14 days: true
	// MP4: true
}

// Errors are *client.Error; errors.Is matches the common cases and
// errors.As gives the code and the server's message.
func ExampleError() {
	c := client.New(live.URL(), live.key)
	_, err := c.Generate(context.Background(), client.GenerateRequest{TaskID: "t", AudioID: "a", Aspect: "4:3"})

	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println("code:", apiErr.Code)
	}
	fmt.Println("validation:", errors.Is(err, client.ErrValidation))
	fmt.Println("not found:", errors.Is(err, client.ErrNotFound))
	// Output:
	// code: 422
	// validation: true
	// not found: false
}

// Record reads the hosted services' answers too: here a fake serving the
// example answer of docs.sunoapi.org, with its times as UTC strings.
func ExampleClient_Record() {
	hosted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "testdata/sunoapi-record-info.json")
	}))
	defer hosted.Close()

	c := client.New(hosted.URL, "YOUR_API_KEY")
	rec, err := c.Record(context.Background(), "taskId_774b9aa0422f")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.SuccessFlag, rec.VideoURL)
	fmt.Println("rendered in", rec.CompleteTime.Sub(rec.CreateTime))
	// Output:
	// SUCCESS https://example.com/videos/video_847715e66259.mp4
	// rendered in 10m0s
}

// WaitForVideo reports each record it reads, for a progress display.
func ExampleClient_WaitForVideo() {
	ctx := context.Background()
	c := client.New(live.URL(), live.key)
	track, err := c.UploadTrack(ctx, client.Upload{Audio: bytes.NewReader(mustRead(live.audio))})
	if err != nil {
		log.Fatal(err)
	}
	taskID, err := c.Generate(ctx, client.GenerateRequest{TaskID: track.TaskID, AudioID: track.AudioID})
	if err != nil {
		log.Fatal(err)
	}
	last := -1
	rec, err := c.WaitForVideo(ctx, taskID, &client.WaitOptions{Progress: func(r *client.Record) {
		if r.Progress < last {
			fmt.Println("progress went back")
		}
		last = r.Progress // a program would draw a bar here
	}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.SuccessFlag, last)
	// Output:
	// SUCCESS 100
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	return b
}
