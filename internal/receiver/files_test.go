package receiver_test

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/webhook"
)

// TestFileModes: the videos and records of a private service are 0600, in
// a folder the receiver creates 0700; an existing folder keeps its mode,
// and the start says so when other users may enter it.
func TestFileModes(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	for _, existing := range []bool{false, true} {
		vs := newVideoServer(t, fakeVideo(2_000), nil)
		s := newSetup(t, nil)
		wantDir := fs.FileMode(0o700)
		if existing {
			// A folder the user made, and a partial file an older receiver
			// left in it 0644.
			wantDir = 0o755
			if err := os.MkdirAll(s.dir, wantDir); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(s.dir, wantDir); err != nil { // whatever the umask
				t.Fatal(err)
			}
			part := filepath.Join(s.dir, ".music_video_t1.mp4.part")
			if err := os.WriteFile(part, vs.video[:100], 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(part, 0o644); err != nil {
				t.Fatal(err)
			}
			s.start(t, nil)
		}
		if status, _ := s.post(t, s.secret, "msg_1", "t1", success("t1", vs.link("t1", 0))); status != http.StatusOK {
			t.Fatalf("existing=%v: status = %d, want 200", existing, status)
		}
		failed := callback(webhook.CodeInternal, "Internal error", "t2", nil)
		if status, _ := s.post(t, s.secret, "msg_2", "t2", failed); status != http.StatusOK {
			t.Fatalf("existing=%v: status = %d, want 200", existing, status)
		}
		s.rcv.Wait()
		s.checkSaved(t, "t1", vs.video)

		fi, err := os.Stat(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != wantDir {
			t.Errorf("existing=%v: folder mode %04o, want %04o", existing, got, wantDir)
		}
		names := files(t, s.dir)
		if len(names) != 4 {
			t.Errorf("existing=%v: files %q, want the state file, 2 records and a video", existing, names)
		}
		for _, name := range names {
			fi, err := os.Stat(filepath.Join(s.dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("existing=%v: %s mode %04o, want 0600", existing, name, got)
			}
		}
		note := "is open to other users (mode 0755) and stays so"
		if got := strings.Contains(s.logs.String(), note); got != existing {
			t.Errorf("existing=%v: logs say %q: %v, want %v; logs:\n%s", existing, note, got, existing, s.logs)
		}
	}
}
