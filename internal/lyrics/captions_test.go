package lyrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// captionSource has timed words, an untimed-word line, a gap (a line that
// ends before the next starts) and text WebVTT must escape.
const captionSource = `[00:01.00]<00:01.00>City <00:01.50>lights <00:02.00>are <00:02.60>calling <00:03.20>
[00:04.00]Plain line with <b> & --> inside
[00:09.00]<00:09.00>夜の <00:09.80>ドライブ <00:10.60>again
[00:13.50]
[00:15.00]<00:15.00>Last <00:15.40>one
`

func captionLyrics(t *testing.T) Lyrics {
	t.Helper()
	l, err := ParseLRC([]byte(captionSource))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func near(a, b time.Duration) bool { return (a - b).Abs() <= 10*time.Millisecond }

// TestWindow: a clip's lines start at 0, lines outside it go, lines and
// words crossing its ends are cut.
func TestWindow(t *testing.T) {
	t.Parallel()
	l := captionLyrics(t)
	w := l.Window(2*time.Second, 8*time.Second) // 2 s to 10 s
	if len(w) != 3 {
		t.Fatalf("Window(2s, 8s) has %d lines, want 3: %+v", len(w), w)
	}
	if w[0].Start != 0 || len(w[0].Words) != 2 || w[0].Words[0].Text != "are" || w[0].Words[0].Start != 0 {
		t.Errorf("first line %+v, want the first line cut at 0 with its words from \"are\"", w[0])
	}
	if w[2].Start != 7*time.Second || w[2].End != 8*time.Second || len(w[2].Words) != 2 {
		t.Errorf("last line %+v, want 7 s to 8 s (cut) with the words before 10 s", w[2])
	}
	if got := l.Window(0, 0); len(got) != len(l.Lines) {
		t.Errorf("Window(0, 0) has %d lines, want all %d", len(got), len(l.Lines))
	}
}

// TestLRCRoundTrip: ParseLRC reads back the lines LRC writes, with their
// ends and word times, for the whole song and for a clip.
func TestLRCRoundTrip(t *testing.T) {
	t.Parallel()
	l := captionLyrics(t)
	for _, win := range [][2]time.Duration{{0, 0}, {2 * time.Second, 8 * time.Second}, {8500 * time.Millisecond, 30 * time.Second}} {
		want := l.Window(win[0], win[1])
		src := l.LRC(win[0], win[1])
		got, err := ParseLRC(src)
		if err != nil {
			t.Fatalf("window %v: ParseLRC of our LRC: %v\n%s", win, err, src)
		}
		if len(got.Lines) != len(want) {
			t.Fatalf("window %v: %d lines read back, want %d\n%s", win, len(got.Lines), len(want), src)
		}
		for i, g := range got.Lines {
			w := want[i]
			if g.Text != w.Text || !near(g.Start, w.Start) || !near(g.End, w.End) || len(g.Words) != len(w.Words) {
				t.Errorf("window %v line %d: got %q %v–%v %d words, want %q %v–%v %d words\n%s", win, i,
					g.Text, g.Start, g.End, len(g.Words), w.Text, w.Start, w.End, len(w.Words), src)
				continue
			}
			for j := range g.Words {
				// A line cut by the clip's end keeps its text; the words
				// after the cut, untimed, read back as part of the last.
				if !strings.HasPrefix(g.Words[j].Text, w.Words[j].Text) || !near(g.Words[j].Start, w.Words[j].Start) {
					t.Errorf("window %v line %d word %d: got %+v, want %+v", win, i, j, g.Words[j], w.Words[j])
				}
			}
		}
	}
}

// TestSRTAndVTTParse: ffmpeg's SubRip and WebVTT demuxers read one cue a
// line at the line's times, and the text back (WebVTT's escapes and cue
// timestamps included).
func TestSRTAndVTTParse(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed")
	}
	t.Parallel()
	l := captionLyrics(t)
	dir := t.TempDir()
	start, dur := 2*time.Second, 12*time.Second
	want := l.Window(start, dur)
	vtt := string(l.VTT(start, dur))
	for _, s := range []string{"WEBVTT\n\n", "<00:00:00.600>calling", "&lt;b&gt; &amp; --&gt; inside", "<00:00:07.800>ドライブ"} {
		if !strings.Contains(vtt, s) {
			t.Errorf("the WebVTT has no %q:\n%s", s, vtt)
		}
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"c.srt", l.SRT(start, dur)}, {"c.vtt", []byte(vtt)}} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-show_packets", "-of", "json", path).Output()
		if err != nil {
			t.Fatalf("%s: ffprobe: %v\n%s", f.name, err, f.data)
		}
		var p struct {
			Packets []struct {
				PTS      string `json:"pts_time"`
				Duration string `json:"duration_time"`
			}
		}
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Packets) != len(want) {
			t.Fatalf("%s: %d cues, want %d\n%s", f.name, len(p.Packets), len(want), f.data)
		}
		for i, pk := range p.Packets {
			pts, _ := strconv.ParseFloat(pk.PTS, 64)
			d, _ := strconv.ParseFloat(pk.Duration, 64)
			if !near(time.Duration(pts*float64(time.Second)), want[i].Start) ||
				!near(time.Duration(d*float64(time.Second)), want[i].End-want[i].Start) {
				t.Errorf("%s cue %d at %ss for %ss, want %v for %v", f.name, i, pk.PTS, pk.Duration, want[i].Start, want[i].End-want[i].Start)
			}
		}
	}
}
