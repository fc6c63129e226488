package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// lyricsCase is a track's lyrics and whether they are synced, as the parser
// says (lyrics.Parse(...).Timed()) and as the SQL test that stands in for
// rows without the flag says.
type lyricsCase struct {
	id, format, text string
	synced           bool
}

// bigLRC is an upload near the limits: 2,000 lines, 256 KiB of synced LRC.
var bigLRC = strings.Repeat("[00:01.00]"+strings.Repeat("la ", 40)+"\n", lyrics.MaxLines)

var lyricsCases = []lyricsCase{
	{"synced", "lrc", "[ti:Song]\n[00:01.00]First <00:01.50>line\n[00:03.00]Second\n", true},
	{"big", "lrc", bigLRC, true},
	{"bom", "lrc", "\uFEFF[00:01.00]After a byte-order mark\r\n", true},
	{"plain", "lrc", "Just words\nno times [not a tag]\n", false},
	{"timestamped", "timestamped", `{"code":200,"msg":"success","data":{"alignedWords":[{"word":"La","startS":1,"endS":2}]}}`, true},
	{"none", "", "", false},
}

// testSyncedLyrics: lists of tracks carry the stored syncedLyrics flag and
// never the lyrics (a page of 256 KiB LRC files read and parsed was over a
// second of CPU); a track alone has its lyrics. A row without the flag (a
// track an older binary stored during a rolling upgrade) is tested in SQL,
// and migration 008 backfills rows written before it with the same test.
func testSyncedLyrics(t *testing.T, env Env) {
	ctx := context.Background()
	s := env.Store
	k := newKey(t, s, "alice")
	for _, c := range lyricsCases {
		if l, err := lyrics.Parse(c.format, c.text); c.text != "" && (err != nil || l.Timed() != c.synced) {
			t.Fatalf("case %s: the parser says timed %v, %v; the case says %v", c.id, l.Timed(), err, c.synced)
		}
		tr := &mvgen.Track{KeyID: k.ID, MusicTaskID: "music", ID: c.id, AudioKey: "sources/" + c.id,
			Lyrics: c.text, LyricsFormat: c.format, SyncedLyrics: c.synced, CreatedAt: now}
		if err := s.CreateTrack(ctx, tr); err != nil {
			t.Fatalf("CreateTrack(%s): %v", c.id, err)
		}
	}
	check := func(t *testing.T, s store.Store, when string) {
		t.Helper()
		listed, err := s.ListTracks(ctx, k.ID, store.TrackQuery{Limit: 100})
		if err != nil {
			t.Fatalf("%s: ListTracks: %v", when, err)
		}
		byMusic, err := s.Tracks(ctx, k.ID, "music")
		if err != nil {
			t.Fatalf("%s: Tracks: %v", when, err)
		}
		for _, list := range [][]*mvgen.Track{listed, byMusic} {
			if len(list) != len(lyricsCases) {
				t.Fatalf("%s: listed %d tracks, want %d", when, len(list), len(lyricsCases))
			}
			for _, tr := range list {
				c := caseOf(tr.ID)
				if tr.Lyrics != "" {
					t.Errorf("%s: listed track %s has %d bytes of lyrics, want none (lists leave them out)", when, tr.ID, len(tr.Lyrics))
				}
				if tr.SyncedLyrics != c.synced || tr.HasLyrics() != (c.text != "") || tr.LyricsFormat != c.format {
					t.Errorf("%s: listed track %s: synced %v, has lyrics %v, format %q; want %v, %v, %q",
						when, tr.ID, tr.SyncedLyrics, tr.HasLyrics(), tr.LyricsFormat, c.synced, c.text != "", c.format)
				}
			}
		}
		for _, c := range lyricsCases {
			tr, err := s.Track(ctx, k.ID, "music", c.id)
			if err != nil || tr.Lyrics != c.text || tr.SyncedLyrics != c.synced {
				t.Errorf("%s: Track(%s) = %d bytes of lyrics, synced %v, %v; want %d bytes, %v",
					when, c.id, len(tr.Lyrics), tr.SyncedLyrics, err, len(c.text), c.synced)
			}
		}
	}
	check(t, s, "stored with the flag")

	// An older binary stores no flag.
	if err := env.DB.Exec(ctx, `UPDATE mvgen_track SET synced_lyrics = NULL`); err != nil {
		t.Fatal(err)
	}
	check(t, s, "without the flag")

	// Rows stored before migration 008: it adds the column and backfills.
	if err := env.DB.Exec(ctx, `ALTER TABLE mvgen_track DROP COLUMN synced_lyrics`); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Exec(ctx, `DELETE FROM mvgen_migration WHERE version = 8`); err != nil {
		t.Fatal(err)
	}
	migrated, err := env.DB.Reopen(ctx, nil)
	if err != nil {
		t.Fatalf("reopening to run migration 008 again: %v", err)
	}
	defer migrated.Close()
	// A row the backfill missed goes, and the lists come out short.
	if err := env.DB.Exec(ctx, `DELETE FROM mvgen_track WHERE synced_lyrics IS NULL`); err != nil {
		t.Fatal(err)
	}
	check(t, migrated, "backfilled by migration 008")
}

func caseOf(id string) lyricsCase {
	for _, c := range lyricsCases {
		if c.id == id {
			return c
		}
	}
	return lyricsCase{}
}
