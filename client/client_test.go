package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// TestVideo runs the whole flow against the real server: upload a track
// and a cover with progress, list it, generate with every field, wait with
// progress, download, check the file with ffprobe, then read and redeliver
// the callback.
func TestVideo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(live.URL(), newKey(t))

	var callbacks sync.WaitGroup
	callbacks.Add(2) // the first delivery and the redelivery
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer callbacks.Done()
		io.Copy(io.Discard, r.Body)
	}))
	defer receiver.Close()

	audio, err := os.Open(live.audio)
	if err != nil {
		t.Fatal(err)
	}
	defer audio.Close()
	cover, err := os.Open(live.cover)
	if err != nil {
		t.Fatal(err)
	}
	defer cover.Close()
	var lastSent, lastTotal int64
	const lrc = "[00:00.50]<00:00.50>Hello <00:01.20>world\n"
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: audio, AudioName: "song.wav", Cover: cover, CoverName: "cover.png",
		Lyrics: strings.NewReader(lrc), Title: "Sine", Tags: "test, tone",
		Progress: func(sent, total int64) { lastSent, lastTotal = sent, total }})
	if err != nil {
		t.Fatalf("UploadTrack: %v", err)
	}
	want := fileSize(t, live.audio) + fileSize(t, live.cover) + int64(len(lrc))
	if lastSent != want || lastTotal != want {
		t.Errorf("last progress = %d of %d, want %d of %d", lastSent, lastTotal, want, want)
	}

	tracks, err := c.Tracks(ctx, ref.TaskID)
	if err != nil {
		t.Fatalf("Tracks: %v", err)
	}
	if len(tracks) != 1 || tracks[0].AudioID != ref.AudioID || tracks[0].Title != "Sine" || tracks[0].Tags != "test, tone" ||
		!tracks[0].Uploaded || time.Since(tracks[0].CreateTime).Abs() > time.Minute {
		t.Errorf("Tracks = %+v, want the uploaded track %s titled Sine, created now", tracks, ref.AudioID)
	}

	id, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID,
		CallBackURL: receiver.URL + "/cb", Author: "Tester", DomainName: "example.com", Aspect: "1:1",
		Resolution: "1080p", IdempotencyKey: "video-" + ref.AudioID})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	var progress []int
	rec, err := c.WaitForVideo(ctx, id, &client.WaitOptions{Interval: 100 * time.Millisecond,
		Progress: func(r *client.Record) { progress = append(progress, r.Progress) }})
	if err != nil {
		t.Fatalf("WaitForVideo: %v", err)
	}
	if rec.SuccessFlag != client.StatusSuccess || rec.VideoURL == "" || rec.PosterURL == "" || rec.TaskID != id || rec.AudioID != ref.AudioID ||
		rec.Author != "Tester" || rec.DomainName != "example.com" || rec.CallbackURL != receiver.URL+"/cb" {
		t.Errorf("record = %+v", rec)
	}
	if rec.CompleteTime.Before(rec.CreateTime) || time.Since(rec.CreateTime).Abs() > time.Minute ||
		rec.ExpireTime.Sub(rec.CompleteTime) < 13*24*time.Hour {
		t.Errorf("times: created %v, completed %v, expires %v", rec.CreateTime, rec.CompleteTime, rec.ExpireTime)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 100 {
		t.Errorf("progress reports = %v, want ending at 100", progress)
	}
	// Issue 20: the video, with its caption files (the track has timed lyrics).
	if len(rec.Videos) != 1 || rec.Videos[0].Width != 1080 || rec.Videos[0].Height != 1080 || rec.Videos[0].Aspect != "1:1" ||
		rec.Videos[0].Duration < 2900*time.Millisecond || rec.Videos[0].Duration > 3100*time.Millisecond ||
		rec.Videos[0].VideoURL != rec.VideoURL || rec.Videos[0].Captions == nil {
		t.Errorf("Videos = %+v, want one 1080×1080 video of 3 s with the record's link and captions", rec.Videos)
	} else {
		var vtt bytes.Buffer
		if _, err := c.Download(ctx, rec.Videos[0].Captions.VTT, &vtt, nil); err != nil ||
			!strings.Contains(vtt.String(), "00:00:00.500 --> ") || !strings.Contains(vtt.String(), "Hello <00:00:01.200>world") {
			t.Errorf("the WebVTT captions: %v\n%s", err, vtt.String())
		}
	}

	out := filepath.Join(t.TempDir(), "video.mp4")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Download(ctx, rec.VideoURL, f, nil)
	f.Close()
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	if size := fileSize(t, out); n != size || n == 0 {
		t.Errorf("Download wrote %d bytes, the file has %d", n, size)
	}
	p := ffprobe(t, out)
	if len(p.Streams) != 2 || p.Streams[0].CodecName != "h264" || p.Streams[0].Width != 1080 || p.Streams[0].Height != 1080 ||
		p.Streams[1].CodecType != "audio" || math.Abs(p.duration()-3) > 0.1 {
		t.Errorf("ffprobe = %+v, duration %.3f: want 1080×1080 H.264 and audio, 3 s", p.Streams, p.duration())
	}

	// The callback: one delivery, then a redelivery with the same webhook id.
	cbs := waitAttempts(t, ctx, c, id, 1)
	if cbs.TaskID != id || !strings.HasPrefix(cbs.WebhookID, "msg_") || cbs.Attempts[0].Status != 200 ||
		cbs.Attempts[0].Delivery != 1 || cbs.Attempts[0].Time.IsZero() {
		t.Errorf("Callbacks = %+v", cbs)
	}
	red, err := c.Redeliver(ctx, id)
	if err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	if red.Delivery != 2 || red.WebhookID != cbs.WebhookID {
		t.Errorf("Redeliver = %+v, want delivery 2 with webhook id %s", red, cbs.WebhookID)
	}
	if cbs := waitAttempts(t, ctx, c, id, 2); cbs.Attempts[1].Delivery != 2 {
		t.Errorf("after redelivery: %+v", cbs.Attempts)
	}
	callbacks.Wait()
}

// TestVideoFeed: the 4:5 aspect through the SDK, the API, the queue and the
// renderer: a 1080×1350 video at 720p (4:5 has one size).
func TestVideoFeed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(live.URL(), newKey(t))
	audio, err := os.Open(live.audio)
	if err != nil {
		t.Fatal(err)
	}
	defer audio.Close()
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: audio, AudioName: "song.wav", Title: "Feed"})
	if err != nil {
		t.Fatalf("UploadTrack: %v", err)
	}
	id, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Aspect: "4:5"})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	rec, err := c.WaitForVideo(ctx, id, &client.WaitOptions{Interval: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("WaitForVideo: %v", err)
	}
	out := filepath.Join(t.TempDir(), "feed.mp4")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Download(ctx, rec.VideoURL, f, nil)
	f.Close()
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	if p := ffprobe(t, out); len(p.Streams) != 2 || p.Streams[0].Width != 1080 || p.Streams[0].Height != 1350 {
		t.Errorf("ffprobe = %+v, want a 1080×1350 video and its audio", p.Streams)
	}
}

func waitAttempts(t *testing.T, ctx context.Context, c *client.Client, id string, n int) *client.Callbacks {
	t.Helper()
	for {
		cbs, err := c.Callbacks(ctx, id)
		if err != nil {
			t.Fatalf("Callbacks: %v", err)
		}
		if len(cbs.Attempts) >= n {
			return cbs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d callback attempts, want %d", len(cbs.Attempts), n)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestUploadFromPipe: a reader of unknown size streams; progress reports
// a total of -1.
func TestUploadFromPipe(t *testing.T) {
	t.Parallel()
	c := client.New(live.URL(), newKey(t))
	b, err := os.ReadFile(live.audio)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		for chunk := range slices(b, 4096) {
			pw.Write(chunk)
		}
		pw.Close()
	}()
	var sent, total int64
	ref, err := c.UploadTrack(context.Background(), client.Upload{Audio: pr,
		Progress: func(s, tot int64) { sent, total = s, tot }})
	if err != nil {
		t.Fatalf("UploadTrack: %v", err)
	}
	if ref.AudioID == "" || sent != int64(len(b)) || total != -1 {
		t.Errorf("got ref %+v, progress %d of %d; want an audioId, %d of -1", ref, sent, total, len(b))
	}
}

func slices(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

// TestRegisterTrack registers a track by URL and lists it.
func TestRegisterTrack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := client.New(live.URL(), newKey(t))
	ref, err := c.RegisterTrack(ctx, client.TrackURLs{AudioURL: "http://127.0.0.1:9/song.mp3",
		ImageURL: "http://127.0.0.1:9/cover.png", Title: "By URL"})
	if err != nil {
		t.Fatalf("RegisterTrack: %v", err)
	}
	tracks, err := c.Tracks(ctx, ref.TaskID)
	if err != nil {
		t.Fatalf("Tracks: %v", err)
	}
	if len(tracks) != 1 || tracks[0].AudioURL != "http://127.0.0.1:9/song.mp3" || tracks[0].ImageURL != "http://127.0.0.1:9/cover.png" ||
		tracks[0].Uploaded || tracks[0].Title != "By URL" {
		t.Errorf("Tracks = %+v", tracks)
	}
}

// TestVideoFailed: an uploaded file that is not audio is refused at once
// (400); the same file registered by URL ends in GENERATE_MP4_FAILED, which
// WaitForVideo returns as a *VideoError.
func TestVideoFailed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := client.New(live.URL(), newKey(t))
	notAudio := strings.Repeat("not audio ", 1000)
	_, err := c.UploadTrack(ctx, client.Upload{Audio: strings.NewReader(notAudio)})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != 400 || !strings.Contains(ce.Msg, "not a decodable audio file") {
		t.Errorf("UploadTrack of a text file: got %v, want a 400 *client.Error naming the problem", err)
	}
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, notAudio) }))
	defer src.Close()
	ref, err := c.RegisterTrack(ctx, client.TrackURLs{AudioURL: src.URL + "/song.mp3"})
	if err != nil {
		t.Fatalf("RegisterTrack: %v", err)
	}
	id, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	rec, err := c.WaitForVideo(ctx, id, &client.WaitOptions{Interval: 50 * time.Millisecond})
	var ve *client.VideoError
	if !errors.Is(err, client.ErrVideoFailed) || !errors.As(err, &ve) {
		t.Fatalf("WaitForVideo error = %v, want a *VideoError", err)
	}
	if ve.TaskID != id || !ve.Flag.Failed() || ve.ErrorCode != 400 || ve.ErrorMessage == "" || rec == nil || rec.ErrorCode != 400 {
		t.Errorf("VideoError = %+v, record %+v: want code 400 with a message", ve, rec)
	}
}

// TestErrors: the real server's refusals arrive as *client.Error, matching
// the sentinel for their code.
func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := client.New(live.URL(), newKey(t))
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: bytes.NewReader(readFile(t, live.audio))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, IdempotencyKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		call     func() error
		sentinel error
		code     int
		status   int
		msg      string
	}{
		{"unknown key", func() error {
			_, err := client.New(live.URL(), "mvk_nope").Record(ctx, "x")
			return err
		}, client.ErrUnauthorized, 401, 401, "unknown API key"},
		{"no key", func() error {
			_, err := client.New(live.URL(), "").Tracks(ctx, "x")
			return err
		}, client.ErrUnauthorized, 401, 401, "missing API key"},
		{"unknown task", func() error {
			_, err := c.Record(ctx, "nope")
			return err
		}, client.ErrNotFound, 404, 404, ""},
		{"unknown track", func() error {
			_, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: "nope"})
			return err
		}, client.ErrNotFound, 404, 404, `audioId "nope"`},
		{"author too long", func() error {
			_, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Author: strings.Repeat("a", 51)})
			return err
		}, client.ErrValidation, 422, 422, "author must be at most 50"},
		{"bad aspect", func() error {
			_, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Aspect: "4:3"})
			return err
		}, client.ErrValidation, 422, 422, "aspect"},
		{"bad resolution", func() error {
			_, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Resolution: "4k"})
			return err
		}, client.ErrValidation, 422, 422, "resolution"},
		{"malformed lyrics", func() error {
			_, err := c.UploadTrack(ctx, client.Upload{Audio: bytes.NewReader(readFile(t, live.audio)),
				Lyrics: strings.NewReader("[00:01.00]ok\n[00:0x.00]bad\n")})
			return err
		}, client.ErrValidation, 422, 422, "lyrics: line 2"},
		{"idempotency key reused", func() error {
			_, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Author: "other", IdempotencyKey: "k1"})
			return err
		}, client.ErrConflict, 409, 409, ""},
		{"bad audio URL", func() error {
			_, err := c.RegisterTrack(ctx, client.TrackURLs{AudioURL: "ftp://example.com/a.mp3"})
			return err
		}, client.ErrValidation, 422, 422, "audioUrl"},
		{"redeliver an unknown task", func() error {
			_, err := c.Redeliver(ctx, "nope")
			return err
		}, client.ErrNotFound, 404, 404, ""},
		{"upload without audio", func() error {
			_, err := c.UploadTrack(ctx, client.Upload{Audio: strings.NewReader("")})
			return err
		}, client.ErrValidation, 422, 422, "audio is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var apiErr *client.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want a *client.Error", err)
			}
			if !errors.Is(err, tc.sentinel) || apiErr.Code != tc.code || apiErr.StatusCode != tc.status || !strings.Contains(apiErr.Msg, tc.msg) {
				t.Errorf("got %#v, want code %d (HTTP %d) matching %v, message containing %q", apiErr, tc.code, tc.status, tc.sentinel, tc.msg)
			}
			for _, other := range []error{client.ErrInternal, client.ErrRateLimited, client.ErrVideoFailed} {
				if errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}
}

// TestIdempotentGenerate: the same Idempotency-Key and body return the
// original task.
func TestIdempotentGenerate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := client.New(live.URL(), newKey(t))
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: bytes.NewReader(readFile(t, live.audio))})
	if err != nil {
		t.Fatal(err)
	}
	req := client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, IdempotencyKey: "same"}
	first, err1 := c.Generate(ctx, req)
	second, err2 := c.Generate(ctx, req)
	if err1 != nil || err2 != nil || first != second {
		t.Errorf("two generates with one key: %q (%v) and %q (%v), want one task", first, err1, second, err2)
	}
	req.IdempotencyKey = ""
	third, err := c.Generate(ctx, req)
	if err != nil || third == first {
		t.Errorf("generate without a key = %q (%v), want a new task", third, err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
