package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// A download that stopped partway (here the disk filled up) is continued
// by a later call, from this process or another: keep the partial file and
// the answer's validator, and pass the file's size as Offset.
func ExampleClient_Download_resume() {
	video := bytes.Repeat([]byte("MP4."), 25_000)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "video.mp4", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), bytes.NewReader(video))
	}))
	defer host.Close()
	ctx, c, link := context.Background(), client.New(host.URL, ""), host.URL+"/video.mp4"

	part, err := os.CreateTemp("", "video-*.mp4.part")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(part.Name())
	defer part.Close()
	var validator string // kept beside the partial file
	keep := func(h http.Header) { validator = client.Validator(h) }
	_, err = c.Download(ctx, link, &fullDisk{w: part, room: 40_000}, &client.DownloadOptions{Header: keep})
	fmt.Println("first:", err)

	have, err := part.Seek(0, io.SeekEnd)
	if err != nil {
		log.Fatal(err)
	}
	n, err := c.Download(ctx, link, part, &client.DownloadOptions{
		Offset: have, IfRange: validator, Header: keep,
		Restart: func() error { // the video changed meanwhile: start again
			if err := part.Truncate(0); err != nil {
				return err
			}
			_, err := part.Seek(0, io.SeekStart)
			return err
		},
	})
	fmt.Println("resumed at", have, "and got", n, "bytes, error:", err)
	// Output:
	// first: download: writing the video: disk full
	// resumed at 40000 and got 100000 bytes, error: <nil>
}

// fullDisk takes room bytes, then fails as a full disk does.
type fullDisk struct {
	w    io.Writer
	room int
}

func (d *fullDisk) Write(b []byte) (int, error) {
	n, err := d.w.Write(b[:min(len(b), d.room)])
	d.room -= n
	if err == nil && n < len(b) {
		err = errors.New("disk full")
	}
	return n, err
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// A client written for kie.ai's jobs API asks for a video with CreateJob
// and polls JobRecord (here through WaitForJob) until resultUrls holds it.
func ExampleClient_CreateJob() {
	ctx := context.Background()
	c := client.New(live.URL(), live.key)
	track, err := c.UploadTrack(ctx, client.Upload{Audio: bytes.NewReader(mustRead(live.audio))})
	if err != nil {
		log.Fatal(err)
	}
	taskID, err := c.CreateJob(ctx, client.JobRequest{Input: client.JobInput{
		TaskID: track.TaskID, AudioID: track.AudioID, DomainName: "example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := c.WaitForJob(ctx, taskID, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.State, len(rec.ResultURLs))
	// Output:
	// success 1
}

// A key's brand: a logo drawn in every video's watermark box, and an
// accent colour for the requests that name none.
func ExampleClient_SetBrand() {
	key, err := createKey("brand-example") // a key of its own: the brand applies to every video of its key
	if err != nil {
		log.Fatal(err)
	}
	c := client.New(live.URL(), key)
	logo, err := os.Open(live.cover) // any PNG of at most 1 MiB and 1024 px a side
	if err != nil {
		log.Fatal(err)
	}
	defer logo.Close()
	b, err := c.SetBrand(context.Background(), client.BrandSettings{Logo: logo, AccentColor: "#FF8800"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.AccentColor, b.Logo.Width, b.Logo.Height)
	if err := c.DeleteBrand(context.Background()); err != nil {
		log.Fatal(err)
	}
	_, err = c.Brand(context.Background())
	fmt.Println("after DeleteBrand:", errors.Is(err, client.ErrNotFound))
	// Output:
	// #ff8800 320 320
	// after DeleteBrand: true
}

// A kit: one request makes the song in several shapes (renditions), whole
// or as clips; Record.Videos lists them, the request's own first.
func ExampleGenerateRequest_renditions() {
	ctx := context.Background()
	c := client.New(live.URL(), live.key)
	song, err := os.Open(live.audio)
	if err != nil {
		log.Fatal(err)
	}
	defer song.Close()
	track, err := c.UploadTrack(ctx, client.Upload{Audio: song, AudioName: "song.wav", Title: "Kit"})
	if err != nil {
		log.Fatal(err)
	}
	taskID, err := c.Generate(ctx, client.GenerateRequest{
		TaskID: track.TaskID, AudioID: track.AudioID, Aspect: "16:9",
		Renditions: []client.Rendition{
			{Aspect: "9:16"},
			{Aspect: "4:5", Clip: &client.Clip{Auto: true, Duration: 15 * time.Second}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := c.WaitForVideo(ctx, taskID, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range rec.Videos {
		// The 3-second test song is shorter than the clip: the clip is all of it.
		fmt.Printf("%s %dx%d, %v long\n", v.Aspect, v.Width, v.Height, v.Duration.Round(time.Second))
	}
	// Output:
	// 16:9 1280x720, 3s long
	// 9:16 720x1280, 3s long
	// 4:5 1080x1350, 3s long
}
