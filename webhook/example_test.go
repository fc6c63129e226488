package webhook_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mvgen/mvgen/webhook"
)

func ExampleSign() {
	sig, err := webhook.Sign(
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`),
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

func ExampleSignLegacy() {
	fmt.Println(webhook.SignLegacy("my-secret", "taskId_774b9aa0422f", time.Unix(1735661400, 0)))
	// Output: UKqA2FjHtmhiMkheN+EKjlYIj0lra4Bb4DKMB23sslg=
}

// The server signs a callback with the key's current secret and, while the
// key is rotated, with the previous one too.
func ExampleSetHeaders() {
	current := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	previous := "whsec_YW5vdGhlci0yNC1ieXRlLXNlY3JldCEh"
	body := []byte(`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"t_1","video_url":"https://example.com/v.mp4"}}`)

	req, _ := http.NewRequest(http.MethodPost, "https://receiver.example/hook", bytes.NewReader(body))
	err := webhook.SetHeaders(req.Header, "msg_t_1", "t_1", time.Unix(1769670760, 0), body, current, previous)
	if err != nil {
		panic(err)
	}
	for _, k := range []string{"Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature", "X-Webhook-Timestamp", "X-Webhook-Signature"} {
		fmt.Printf("%s: %s\n", k, req.Header.Get(k))
	}
	// Output:
	// Content-Type: application/json
	// webhook-id: msg_t_1
	// webhook-timestamp: 1769670760
	// webhook-signature: v1,5kKb8zThL4KJu/Tg+4KEqsLouHWB3KexRwSYZfmdSbE= v1,QzniQ50v7xn4I4fv8sLgdkPPu/JsMnzqRBdArTQZMII=
	// X-Webhook-Timestamp: 1769670760
	// X-Webhook-Signature: 6Lo4+6JmNnv3EJUG0VTg6h23Owq0bZSSqYmV8MfcBu4=
}

func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"code":451,"msg":"Source audio file download failed","data":{"task_id":"t_1","video_url":null}}`)
	h := http.Header{}
	if err := webhook.SetHeaders(h, "msg_t_1", "t_1", time.Now(), body, secret); err != nil {
		panic(err)
	}

	fmt.Println(webhook.Verify(secret, h, body))

	forged := bytes.Replace(body, []byte("451"), []byte("200"), 1)
	err := webhook.Verify(secret, h, forged)
	fmt.Println(errors.Is(err, webhook.ErrNoMatch))
	// Output:
	// <nil>
	// true
}

// A Verifier accepts several secrets, a custom tolerance and, for receivers
// that cannot check the body-signed scheme, the legacy headers.
func ExampleVerifier_Verify() {
	signedAt := time.Unix(1769670760, 0)
	body := []byte(`{"code":200,"msg":"ok","data":{"task_id":"t_1","video_url":"https://example.com/v.mp4"}}`)
	h := http.Header{}
	if err := webhook.SetHeaders(h, "msg_t_1", "t_1", signedAt, body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
		panic(err)
	}

	v := webhook.Verifier{
		Secrets: []string{"whsec_YW5vdGhlci0yNC1ieXRlLXNlY3JldCEh", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		Now:     func() time.Time { return signedAt.Add(time.Minute) },
	}
	fmt.Println(v.Verify(h, body))

	v.Now = func() time.Time { return signedAt.Add(time.Hour) }
	fmt.Println(errors.Is(v.Verify(h, body), webhook.ErrTooOld))

	legacy := webhook.Verifier{
		Secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		Legacy:  true,
		Now:     func() time.Time { return signedAt },
	}
	fmt.Println(legacy.Verify(h, body))
	// Output:
	// <nil>
	// true
	// <nil>
}

func ExampleVerifier_Handler() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	v := &webhook.Verifier{Secrets: []string{secret}}
	if err := v.Validate(); err != nil {
		panic(err)
	}
	receiver := v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := webhook.EventFromContext(r.Context())
		fmt.Printf("task %s finished with code %d, video %s\n", ev.Data.TaskID, ev.Code, *ev.Data.VideoURL)
		w.WriteHeader(http.StatusOK)
	}))

	post := func(body []byte, signedBody []byte) {
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		if err := webhook.SetHeaders(req.Header, "msg_t_1", "t_1", time.Now(), signedBody, secret); err != nil {
			panic(err)
		}
		rec := httptest.NewRecorder()
		receiver.ServeHTTP(rec, req)
		reason, _ := io.ReadAll(rec.Body)
		if reason = bytes.TrimSpace(reason); len(reason) == 0 {
			fmt.Println(rec.Code)
		} else {
			fmt.Println(rec.Code, string(reason))
		}
	}
	body := []byte(`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"t_1","video_url":"https://example.com/v.mp4"}}`)
	post(body, body)
	post(bytes.Replace(body, []byte("example.com"), []byte("evil.example"), 1), body)
	// Output:
	// task t_1 finished with code 200, video https://example.com/v.mp4
	// 200
	// 401 webhook: signature mismatch
}

// The callback of a request with renditions lists every video in
// Data.Videos, the one VideoURL names first; other callbacks have none.
func ExampleParseEvent_videos() {
	body := []byte(`{"code":200,"msg":"MP4 generated successfully.","data":{"task_id":"0f8e","video_url":"https://v.example/v1/videos/0f8e.mp4?sig=a",
		"videos":[{"aspect":"16:9","resolution":"720p","width":1280,"height":720,"start":0,"duration":183.4,
		"videoUrl":"https://v.example/v1/videos/0f8e.mp4?sig=a","posterUrl":"https://v.example/v1/posters/0f8e.jpg?sig=b","captions":null},
		{"aspect":"9:16","resolution":"720p","width":720,"height":1280,"start":61.2,"duration":30,
		"videoUrl":"https://v.example/v1/videos/0f8e-1.mp4?sig=c","posterUrl":"https://v.example/v1/posters/0f8e-1.jpg?sig=d","captions":null}]}}`)
	ev, err := webhook.ParseEvent(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range ev.Data.Videos {
		fmt.Printf("%s %dx%d from %.1f s for %.1f s: %s\n", v.Aspect, v.Width, v.Height, v.Start, *v.Duration, v.VideoURL)
	}
	// Output:
	// 16:9 1280x720 from 0.0 s for 183.4 s: https://v.example/v1/videos/0f8e.mp4?sig=a
	// 9:16 720x1280 from 61.2 s for 30.0 s: https://v.example/v1/videos/0f8e-1.mp4?sig=c
}
