package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// TestTrackLyrics: lyrics given with a track (contract §6.2) are checked
// at upload, kept, and shown in GET /api/v1/tracks.
func TestTrackLyrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	dir := t.TempDir()
	audio := filepath.Join(dir, "song.mp3")
	os.WriteFile(audio, []byte("not probed here"), 0o600)
	lrcFile := filepath.Join(dir, "song.lrc")
	synced := "[ti:Song]\n[00:01.00]First <00:01.50>line\n[00:03.00]Second line\n"
	os.WriteFile(lrcFile, []byte(synced), 0o600)
	big := filepath.Join(dir, "big.lrc")
	os.WriteFile(big, []byte(strings.Repeat("[00:01.00]la la la\n", lyrics.MaxBytes/19+1)), 0o600)

	type listed struct {
		HasLyrics    bool `json:"hasLyrics"`
		SyncedLyrics bool `json:"syncedLyrics"`
	}
	for _, tc := range []struct {
		name    string
		send    func() envelope
		want    int
		wantMsg string
		listed  listed
		stored  string
	}{
		{"file part", func() envelope { return c.upload([][2]string{{"audio", "@" + audio}, {"lyrics", "@" + lrcFile}}) },
			200, "success", listed{true, true}, synced},
		{"field part, plain text", func() envelope {
			return c.upload([][2]string{{"audio", "@" + audio}, {"lyrics", "Just words\nno times"}})
		}, 200, "success", listed{true, false}, "Just words\nno times"},
		{"no lyrics", func() envelope { return c.upload([][2]string{{"audio", "@" + audio}}) },
			200, "success", listed{false, false}, ""},
		{"JSON string", func() envelope {
			return c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "https://example.com/a.mp3", "lyrics": synced})
		}, 200, "success", listed{true, true}, synced},
		{"malformed part", func() envelope {
			return c.upload([][2]string{{"audio", "@" + audio}, {"lyrics", "[00:01.00]ok\n[00:02.00]<00:0x>bad"}})
		}, 422, "lyrics: line 2, column 12: word tag <00:0x>", listed{}, ""},
		{"malformed JSON string", func() envelope {
			return c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "https://example.com/a.mp3", "lyrics": "[00:01.00]a\n[01:75.00]b"})
		}, 422, "lyrics: line 2, column 2: time tag [01:75.00]: seconds 75 are not below 60", listed{}, ""},
		{"over the limit", func() envelope { return c.upload([][2]string{{"audio", "@" + audio}, {"lyrics", "@" + big}}) },
			413, "lyrics is over the 256 KiB limit", listed{}, ""},
		{"near miss", func() envelope { return c.upload([][2]string{{"audio", "@" + audio}, {"lrc", "@" + lrcFile}}) },
			422, "unknown field lrc; did you mean lyrics?", listed{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			e := tc.send()
			if e.Code != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Fatalf("got %d %q, want %d with %q", e.Code, e.Msg, tc.want, tc.wantMsg)
			}
			if tc.want != 200 {
				return
			}
			var d struct{ TaskID, AudioID string }
			json.Unmarshal(e.Data, &d)
			list := c.do(http.MethodGet, "/api/v1/tracks?taskId="+d.TaskID, "", nil)
			var got struct{ Tracks []listed }
			if err := json.Unmarshal(list.Data, &got); err != nil || len(got.Tracks) != 1 || got.Tracks[0] != tc.listed {
				t.Errorf("GET tracks: got %s, want one track with %+v", list.Data, tc.listed)
			}
			tr, err := f.db.Track(context.Background(), keyID(t, f, c), d.TaskID, d.AudioID)
			if err != nil || tr.Lyrics != tc.stored {
				t.Errorf("stored lyrics = %q, %v; want %q", tr.Lyrics, err, tc.stored)
			}
		})
	}
}

// TestGenerateExtensions: resolution and lyrics (contract §6.3) and fps
// (§6.6) are validated and kept on the task.
func TestGenerateExtensions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	musicID, audioID := c.track()
	gen := func(extra string) string {
		return `{"taskId":"` + musicID + `","audioId":"` + audioID + `"` + extra + `}`
	}
	for _, tc := range []struct {
		name       string
		body       string
		want       int
		wantMsg    string
		resolution string
		noLyrics   bool
		fps        int
	}{
		{"defaults", gen(``), 200, "success", "", false, 0},
		{"1080p without lyrics", gen(`,"resolution":"1080p","lyrics":false`), 200, "success", "1080p", true, 0},
		{"720p with lyrics", gen(`,"resolution":"720p","lyrics":true`), 200, "success", "720p", false, 0},
		{"60 fps", gen(`,"fps":60`), 200, "success", "", false, 60},
		{"30 fps", gen(`,"fps":30`), 200, "success", "", false, 30},
		{"4k", gen(`,"resolution":"4k"`), 422, `resolution: resolution "4k" is not one of "720p" or "1080p"`, "", false, 0},
		{"25 fps", gen(`,"fps":25`), 422, "fps must be 30 or 60 (got 25)", "", false, 0},
		{"accent colour", gen(`,"accentColor":"#2060FF"`), 200, "success", "", false, 0},
		{"accent colour by name", gen(`,"accentColor":"blue"`), 422, `accentColor: "blue" is not a colour written #rrggbb`, "", false, 0},
		{"theme named", gen(`,"theme":"bars"`), 200, "success", "", false, 0},
		{"unknown theme", gen(`,"theme":"disco"`), 422, `theme: theme "disco" is not one of "bars", "wave", "lyric", "radial"`, "", false, 0},
		{"fps as a string", gen(`,"fps":"60"`), 400, "fps must be a JSON number", "", false, 0},
		{"lyrics as a string", gen(`,"lyrics":"yes"`), 400, "lyrics must be a JSON boolean, not string", "", false, 0},
		{"resolution as a number", gen(`,"resolution":1080`), 400, "resolution must be a JSON string, not number", "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			e := c.postJSON("/api/v1/mp4/generate", tc.body)
			if e.Code != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Fatalf("got %d %q, want %d with %q", e.Code, e.Msg, tc.want, tc.wantMsg)
			}
			if tc.want != 200 {
				return
			}
			var d struct{ TaskID string }
			json.Unmarshal(e.Data, &d)
			tk, err := f.db.Task(context.Background(), "", d.TaskID)
			if err != nil || tk.Resolution != tc.resolution || tk.NoLyrics != tc.noLyrics || tk.FPS != tc.fps {
				t.Errorf("stored task: resolution %q, noLyrics %v, fps %d (%v); want %q, %v, %d",
					tk.Resolution, tk.NoLyrics, tk.FPS, err, tc.resolution, tc.noLyrics, tc.fps)
			}
		})
	}
}

// keyID is the id of c's API key.
func keyID(t *testing.T, f *fixture, c *client) string {
	t.Helper()
	k, err := f.db.KeyByTokenHash(context.Background(), mvgen.HashToken(c.token))
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// TestTrackListParsesNoLyrics: GET /api/v1/tracks shows each track's
// stored lyrics flags and parses no lyrics (100 tracks of 254 KiB LRC took
// 1.1–1.7 s of CPU a page when it did, issue 19): tracks stored with a flag
// that their text contradicts are listed as the flag says.
func TestTrackListParsesNoLyrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("c")
	id := keyID(t, f, c)
	big := strings.Repeat("[00:01.00]"+strings.Repeat("la ", 40)+"\n", lyrics.MaxLines) // 2,000 lines, 256 KiB
	ctx := context.Background()
	want := map[string]bool{} // audioId → syncedLyrics
	for i := range 20 {
		// The odd ones claim unsynced lyrics: only a parse would say otherwise.
		audioID := fmt.Sprintf("a%02d", i)
		want[audioID] = i%2 == 0
		if err := f.db.CreateTrack(ctx, &mvgen.Track{KeyID: id, MusicTaskID: "m" + audioID, ID: audioID,
			AudioKey: "sources/" + audioID, Lyrics: big, LyricsFormat: lyrics.FormatLRC, SyncedLyrics: want[audioID],
			CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/api/v1/tracks?limit=100", "/api/v1/tracks?taskId=ma01"} {
		e := c.do(http.MethodGet, path, "", nil)
		var got struct {
			Tracks []struct {
				AudioID      string `json:"audioId"`
				HasLyrics    bool   `json:"hasLyrics"`
				SyncedLyrics bool   `json:"syncedLyrics"`
			}
		}
		if err := json.Unmarshal(e.Data, &got); err != nil || e.Code != 200 || len(got.Tracks) == 0 {
			t.Fatalf("GET %s: %d %s", path, e.Code, e.Data)
		}
		for _, tr := range got.Tracks {
			if !tr.HasLyrics || tr.SyncedLyrics != want[tr.AudioID] {
				t.Errorf("GET %s: track %s: hasLyrics %v, syncedLyrics %v; want true, %v (the stored flag)",
					path, tr.AudioID, tr.HasLyrics, tr.SyncedLyrics, want[tr.AudioID])
			}
		}
	}
}
