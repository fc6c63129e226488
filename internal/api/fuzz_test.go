package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzRequestDecoding sends arbitrary bodies to the JSON endpoints (the
// jobs dialect's createTask among them) and to the multipart upload: every answer is the envelope with one of the
// contract's codes, never a 500 or a broken answer.
func FuzzRequestDecoding(f *testing.F) {
	fx := newFixture(f)
	c := fx.client("fuzz")
	for _, seed := range []struct {
		kind int
		body string
	}{
		{0, `{"taskId":"m","audioId":"a","callBackUrl":"https://example.com/x","author":"周","aspect":"1:1"}`},
		{0, `{"callback_url":"x","audio_id":5}`},
		{0, `{"taskId":` + strings.Repeat("[", 200)},
		{0, `{"taskId":"m","audioId":"a","renditions":[{"aspect":"9:16"},{"aspect":"4:5","clip":{"start":"auto","duration":30}}]}`},
		{0, `{"taskId":"m","audioId":"a","renditions":[{"aspect":"9:16","clip":{"start":[1],"duration":1e400}},null,"x"]}`},
		{4, `{"model":"ai-music-api/create-music-video","input":{"task_id":"m","audio_id":"a","renditions":[{"aspect":"1:1","clip":{"start":-0,"duration":"5"}}]}}`},
		{1, `{"audioUrl":"http://10.0.0.1/a.mp3","lyrics":"[00:01.00]hi"}`},
		{1, `{"audioUrl":"https://example.com/a.mp3","title":"\u202etitle","tags":null}`},
		{2, "--b\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.mp3\"\r\n\r\nID3\r\n--b--\r\n"},
		{2, "--b\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nx\r\n--b\r\n"},
		{2, "--b\r\nContent-Disposition: form-data; name=\"lyrics\"\r\n\r\n[00:0x]bad\r\n--b--\r\n"},
		{2, "--b\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nID3\r\n--b\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nID3\r\n--b--\r\n"},
		{3, `{"taskId":"nope"}`},
		{4, `{"model":"ai-music-api/create-music-video","input":{"task_id":"m","audio_id":"a","lyrics":false}}`},
		{4, `{"model":"ai-music-api/create-music-video","input":{"taskId":"m","TASK_ID":"n","callback_url":"x"}}`},
		{4, `{"model":"x","input":[1]}`},
		{4, `{"model":"ai-music-api/create-music-video","input":{"task_id":{"a":1},"aspect":7}}`},
		{5, "--b\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"l.png\"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--b--\r\n"},
		{5, "--b\r\nContent-Disposition: form-data; name=\"accentColor\"\r\n\r\n#ff00zz\r\n--b\r\nContent-Disposition: form-data; name=\"color\"\r\n\r\nx\r\n--b--\r\n"},
	} {
		f.Add(seed.kind, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, kind int, body []byte) {
		method, path, ctype := http.MethodPost, "/api/v1/mp4/generate", "application/json"
		switch ((kind % 6) + 6) % 6 {
		case 1:
			path = "/api/v1/tracks"
		case 2:
			path, ctype = "/api/v1/tracks", "multipart/form-data; boundary=b"
		case 3:
			path = "/api/v1/mp4/callbacks/redeliver"
		case 4:
			path = "/api/v1/jobs/createTask"
		case 5:
			method, path, ctype = http.MethodPut, "/api/v1/brand", "multipart/form-data; boundary=b"
		}
		req, err := http.NewRequest(method, fx.srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var e struct {
			Code *int   `json:"code"`
			Msg  string `json:"msg"`
		}
		if err := json.Unmarshal(raw, &e); err != nil || e.Code == nil {
			t.Fatalf("%s %s %q: answer %d %q is not the envelope", method, path, body, resp.StatusCode, raw)
		}
		if *e.Code >= 500 || resp.StatusCode >= 500 && resp.StatusCode != 503 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, *e.Code, e.Msg)
		}
	})
}
