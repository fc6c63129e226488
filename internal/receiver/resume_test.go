package receiver_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Close interrupts a download; the partial file stays and a redelivery to a
// new receiver resumes it with If-Range, the first answer's validator kept
// beside the partial file. If the video changed meanwhile, the server
// sends it whole and the stale bytes are dropped, not spliced.
func TestCloseAndResume(t *testing.T) {
	t.Parallel()
	for _, changed := range []bool{false, true} {
		t.Run("changed="+strconv.FormatBool(changed), func(t *testing.T) {
			t.Parallel()
			testCloseAndResume(t, changed)
		})
	}
}

func testCloseAndResume(t *testing.T, changed bool) {
	v1, v2 := fakeVideo(100_000), fakeVideo(100_001)[1:] // as long, other bytes
	half := len(v1) / 2
	sent := make(chan struct{})
	var (
		mu                sync.Mutex
		ranges, ifRanges  []string
		current, currentE = v1, `"v1"`
	)
	vs := newVideoServer(t, nil, func(n int64, w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		ifRanges = append(ifRanges, r.Header.Get("If-Range"))
		video, etag := current, currentE
		mu.Unlock()
		w.Header().Set("ETag", etag)
		if n == 1 {
			w.Header().Set("Content-Length", strconv.Itoa(len(video)))
			w.Write(video[:half])
			http.NewResponseController(w).Flush()
			close(sent)
			<-r.Context().Done() // until the receiver gives up
			return true
		}
		http.ServeContent(w, r, "video.mp4", time.Time{}, bytes.NewReader(video))
		return true
	})
	s := newSetup(t, nil)
	body := success("t1", vs.link("t1", 0))
	if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	<-sent
	// The first half may still be in flight; wait until it is on disk.
	part := filepath.Join(s.dir, ".music_video_t1.mp4.part")
	for deadline := time.Now().Add(5 * time.Second); ; {
		if fi, err := os.Stat(part); err == nil && fi.Size() == int64(half) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partial file never reached %d bytes", half)
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.rcv.Close()
	if status, _ := s.post(t, s.secret, "msg_2", "t1", body); status != http.StatusServiceUnavailable {
		t.Errorf("after Close: status = %d, want 503", status)
	}

	want := v1
	if changed {
		mu.Lock()
		current, currentE = v2, `"v2"`
		mu.Unlock()
		want = v2
	}
	s.start(t, nil) // a new process
	if status, _ := s.post(t, s.secret, "msg_1", "t1", body); status != http.StatusOK {
		t.Fatalf("redelivery: status = %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t1", want)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"", "bytes=" + strconv.Itoa(half) + "-"}; !slices.Equal(ranges, want) {
		t.Errorf("Range headers = %q, want %q", ranges, want)
	}
	if want := []string{"", `"v1"`}; !slices.Equal(ifRanges, want) {
		t.Errorf("If-Range headers = %q, want %q", ifRanges, want)
	}
	if got, want := files(t, s.dir), []string{".mvgen-receive.json", "music_video_t1.json", "music_video_t1.mp4"}; !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q (nothing left of the partial download)", got, want)
	}
}

// A partial file without a validator (the server gave none, or an older
// receiver left it) cannot be shown to belong to the video the server has
// now: it is downloaded again from the start, not continued with a bare
// Range request.
func TestStalePartWithoutValidator(t *testing.T) {
	t.Parallel()
	video := fakeVideo(10_000)
	var ranges []string
	var mu sync.Mutex
	vs := newVideoServer(t, video, func(_ int64, _ http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		return false // ServeContent: honours Range, gives no validator
	})
	s := newSetup(t, nil)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, ".music_video_t1.mp4.part"), []byte("stale bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	s.rcv.Wait()
	s.checkSaved(t, "t1", video)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{""}; !slices.Equal(ranges, want) {
		t.Errorf("Range headers = %q, want %q", ranges, want)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "has no validator to resume it with If-Range; downloading it from the start") {
		t.Errorf("logs lack the restart:\n%s", logs)
	}
}
