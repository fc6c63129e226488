package upstream_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

// TestImportLyrics: importing a track asks the upstream once for its
// timestamped lyrics and keeps them; any failure there imports the track
// without lyrics and logs why, never the upstream key.
func TestImportLyrics(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail upstreamtest.Failure
		want bool // lyrics kept
	}{
		{"documented example", upstreamtest.OK, true},
		{"refused", upstreamtest.Refuse, false},
		{"refused in the body", upstreamtest.RefuseInBody, false},
		{"unavailable", upstreamtest.Unavailable, false},
		{"maintenance", upstreamtest.Maintenance, false},
		{"not the envelope", upstreamtest.NotEnvelope, false},
		{"no answer", upstreamtest.Hang, false},
		{"key echoed in the answer", upstreamtest.EchoKey, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, l, db, logs := setup(t)
			ctx := context.Background()
			k := newKey(t, db, upstreamKey)
			musicID, audioIDs := fake.AddTask("SUCCESS", "Waggin'")
			fake.FailLyrics(tc.fail)
			if _, err := l.Import(ctx, k, musicID, audioIDs[0]); err != nil {
				t.Fatalf("Import: %v, want the track imported whatever the lyrics", err)
			}
			if n := fake.LyricsRequests(); n != 1 {
				t.Errorf("get-timestamped-lyrics requests = %d, want 1", n)
			}
			tr, err := db.Track(ctx, k.ID, musicID, audioIDs[0])
			if err != nil {
				t.Fatal(err)
			}
			if got := tr.Lyrics != ""; got != tc.want || tr.SyncedLyrics != tc.want {
				t.Fatalf("lyrics kept = %v (%q), synced %v; want %v", got, tr.Lyrics, tr.SyncedLyrics, tc.want)
			}
			if !tc.want {
				if !strings.Contains(logs.String(), "upstream lyrics unavailable") {
					t.Errorf("log = %s, want the lyrics failure", logs)
				}
				if strings.Contains(logs.String(), upstreamKey) {
					t.Errorf("the upstream key is in the log: %s", logs)
				}
				return
			}
			got, err := lyrics.Parse(tr.LyricsFormat, tr.Lyrics)
			if err != nil || len(got.Lines) != 1 || got.Lines[0].Text != "Waggin'" {
				t.Errorf("stored lyrics (%s) read as %+v, %v; want the example's line Waggin'", tr.LyricsFormat, got, err)
			}
		})
	}
}

// TestTimestampedLyricsClient: the request carries taskId and audioId
// (the fake answers code 400 for a track it does not have), and a refused
// key is an error that does not contain it.
func TestTimestampedLyricsClient(t *testing.T) {
	fake, l, _, _ := setup(t)
	musicID, audioIDs := fake.AddTask("SUCCESS", "Song")
	body, err := l.Client.TimestampedLyrics(context.Background(), upstreamKey, musicID, "not-"+audioIDs[0])
	if err != nil {
		t.Fatalf("TimestampedLyrics: %v", err)
	}
	if _, err := lyrics.ParseTimestamped(body); err == nil || !strings.Contains(err.Error(), "code 400") {
		t.Errorf("lyrics of an unknown track: got %v, want the envelope's code 400", err)
	}
	if _, err := l.Client.TimestampedLyrics(context.Background(), "sk-wrong", musicID, audioIDs[0]); err == nil ||
		strings.Contains(err.Error(), "sk-wrong") {
		t.Errorf("a refused key: got %v, want an error without the key", err)
	}
}

// TestLyricsHideEchoedKey (issue 19 item 5): an upstream whose lyrics
// answer echoes the Authorization header in its msg gives an error without
// the key, and the import's log line has none either.
func TestLyricsHideEchoedKey(t *testing.T) {
	t.Parallel()
	fake, l, db, logs := setup(t)
	musicID, audioIDs := fake.AddTask("SUCCESS", "Song")
	fake.FailLyrics(upstreamtest.EchoKey)
	_, _, err := l.Client.Lyrics(context.Background(), upstreamKey, musicID, audioIDs[0])
	if err == nil || strings.Contains(err.Error(), upstreamKey) || !strings.Contains(err.Error(), "code 401") {
		t.Errorf("lyrics of an upstream echoing the key: got %v, want the envelope's code 401 without the key", err)
	}
	if !strings.Contains(err.Error(), "[upstream key]") {
		t.Errorf("error %v does not say where the key was cut out", err)
	}
	k := newKey(t, db, upstreamKey)
	if _, err := l.Import(context.Background(), k, musicID, audioIDs[0]); err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !strings.Contains(logs.String(), "upstream lyrics unavailable") || strings.Contains(logs.String(), upstreamKey) {
		t.Errorf("log = %s, want the lyrics failure without the upstream key", logs)
	}
}
