package durabletest

import (
	"os"
	"reflect"
	"testing"
)

// TestParse reads a log strace wrote in a failed CI run: a directory's
// fsync split across two lines by another thread's signal, the second
// line's pid padded and its result aligned with spaces. The tail of the
// file adds an interrupted, restarted fsync and a failed one.
func TestParse(t *testing.T) {
	f, err := os.Open("testdata/split.strace")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Call{
		{Name: "fsync", Path: "/r"},
		{Name: "fsync", Path: "/r/files"},
		{Name: "fsync", Path: "/r/files/sources"},
		{Name: "fsync", Path: "/r/files/sources/a/.put-1747935831"},
		{Name: "rename", Path: "/r/files/sources/a/.put-1747935831", To: "/r/files/sources/a/audio"},
		{Name: "fsync", Path: "/r/files/sources/a"},
		{Name: "fsync", Path: "/r/files"},
		{Name: "fsync", Path: "/r/tmp/video.mp4"},
		{Name: "rename", Path: "/r/tmp/video.mp4", To: "/r/files/videos/v.mp4"},
		{Name: "fsync", Path: "/r/files/videos"},
		{Name: "fsync", Path: "/r/tmp"},
		{Name: "fsync", Path: "/r/files/late"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", got, want)
	}
}
