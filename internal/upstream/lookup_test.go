package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/store/sqlite"
	"github.com/mvgen/mvgen/internal/upstream"
	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

const upstreamKey = "sk-upstream-9f2c1e"

func setup(t *testing.T) (*upstreamtest.Fake, *upstream.Lookup, *sqlite.Store, *bytes.Buffer) {
	t.Helper()
	fake, err := upstreamtest.Start(t.TempDir(), upstreamKey, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	opened, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mvgen.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewStore(opened, nil) // nothing it does queues a job
	t.Cleanup(func() { db.Close() })
	var logs bytes.Buffer
	l := &upstream.Lookup{Client: &upstream.Client{BaseURL: fake.URL, Timeout: time.Second}, Store: db,
		CheckURL: (&netguard.Guard{Allow: loopback}).CheckURL, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	return fake, l, db, &logs
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func newKey(t *testing.T, db *sqlite.Store, upstreamKey string) *mvgen.Key {
	t.Helper()
	k, _ := mvgen.NewKey("alice", "whsec_x", time.Now())
	k.UpstreamKey = upstreamKey
	if err := db.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestImportAndRefresh(t *testing.T) {
	fake, l, db, logs := setup(t)
	ctx := context.Background()
	k := newKey(t, db, upstreamKey)
	musicID, audioIDs := fake.AddTask("SUCCESS", "Peaceful Piano", "Iron Man «钢铁侠»")

	tr, err := l.Import(ctx, k, musicID, audioIDs[1])
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	stored, err := db.Track(ctx, k.ID, musicID, audioIDs[1])
	if err != nil {
		t.Fatalf("the imported track is not in the catalogue: %v", err)
	}
	if !stored.Upstream || stored.MusicIndex != 1 || stored.Title != "Iron Man «钢铁侠»" || stored.Tags != "electrifying, rock" ||
		!strings.HasPrefix(stored.AudioURL, fake.URL) || !strings.HasSuffix(stored.ImageURL, ".png") || stored.AudioURL != tr.AudioURL {
		t.Errorf("stored track = %+v", stored)
	}

	fake.Expire(musicID, audioIDs[1])
	fresh, err := l.Refresh(ctx, stored)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if fresh.AudioURL == stored.AudioURL || fresh.ImageURL == stored.ImageURL {
		t.Errorf("Refresh kept the old URLs %q, %q", fresh.AudioURL, fresh.ImageURL)
	}
	if again, _ := db.Track(ctx, k.ID, musicID, audioIDs[1]); again.AudioURL != fresh.AudioURL || again.ImageURL != fresh.ImageURL {
		t.Errorf("stored after Refresh: %q, %q; want %q, %q", again.AudioURL, again.ImageURL, fresh.AudioURL, fresh.ImageURL)
	}
	if got := fake.Lookups(); got != 2 {
		t.Errorf("upstream lookups = %d, want 2 (import, refresh)", got)
	}
	if strings.Contains(logs.String(), upstreamKey) {
		t.Errorf("logs contain the upstream key:\n%s", logs)
	}
}

func TestImportFailures(t *testing.T) {
	fake, l, db, logs := setup(t)
	ctx := context.Background()
	k, none := newKey(t, db, upstreamKey), newKey(t, db, "")
	musicID, audioIDs := fake.AddTask("SUCCESS", "Song")
	pendingID, pendingAudio := fake.AddTask("TEXT_SUCCESS", "Later")

	guarded := *l
	guarded.CheckURL = (&netguard.Guard{}).CheckURL // loopback blocked, as in production

	for _, tc := range []struct {
		name   string
		lookup *upstream.Lookup
		key    *mvgen.Key
		fail   upstreamtest.Failure
		music  string
		audio  string
		code   mvgen.Code
		msg    string
	}{
		{"no upstream key", l, none, upstreamtest.OK, musicID, audioIDs[0], mvgen.ENotFound, "no upstream key"},
		{"unknown task", l, k, upstreamtest.OK, "nope", "x", mvgen.ENotFound, `no track with audioId "x" in taskId "nope": the upstream music API has no music task "nope"`},
		{"unknown track", l, k, upstreamtest.OK, musicID, "x", mvgen.ENotFound, `no track with audioId "x" in taskId "` + musicID + `"`},
		{"not finished", l, k, upstreamtest.OK, pendingID, pendingAudio[0], mvgen.EConflict, "retry generate when it is SUCCESS"},
		{"key refused", l, k, upstreamtest.Refuse, musicID, audioIDs[0], mvgen.EForbidden, "refused this API key's upstream key"},
		{"key refused in body", l, k, upstreamtest.RefuseInBody, musicID, audioIDs[0], mvgen.EForbidden, "refused"},
		{"key refused and echoed", l, k, upstreamtest.EchoKey, musicID, audioIDs[0], mvgen.EForbidden, "refused"},
		{"unavailable", l, k, upstreamtest.Unavailable, musicID, audioIDs[0], mvgen.EUnavailable, "retry in 7 seconds"},
		{"maintenance", l, k, upstreamtest.Maintenance, musicID, audioIDs[0], mvgen.EUnavailable, "retry in 15 seconds"},
		{"hangs", l, k, upstreamtest.Hang, musicID, audioIDs[0], mvgen.EUnavailable, "did not answer within 1s"},
		{"not record-info", l, k, upstreamtest.NotEnvelope, musicID, audioIDs[0], mvgen.EUnavailable, "something other than record-info"},
		{"audio on a blocked address", &guarded, k, upstreamtest.OK, musicID, audioIDs[0], mvgen.EInvalid, "cannot be used as a source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.Fail(tc.fail)
			defer fake.Fail(upstreamtest.OK)
			_, err := tc.lookup.Import(ctx, tc.key, tc.music, tc.audio)
			if got := mvgen.ErrorCode(err); got != tc.code {
				t.Fatalf("code = %s, want %s (error %v)", got, tc.code, err)
			}
			if msg := mvgen.ErrorMessage(err); !strings.Contains(msg, tc.msg) || strings.Contains(msg, upstreamKey) {
				t.Errorf("message = %q, want it to contain %q and not the upstream key", msg, tc.msg)
			}
			if _, err := db.Track(ctx, tc.key.ID, tc.music, tc.audio); !errors.Is(err, mvgen.ErrNotFound) {
				t.Errorf("a failed import stored a track (%v)", err)
			}
		})
	}
	if !strings.Contains(logs.String(), "upstream lookup failed") {
		t.Errorf("the operator's log has no failed lookup:\n%s", logs)
	}
	if strings.Contains(logs.String(), upstreamKey) {
		t.Errorf("logs contain the upstream key:\n%s", logs)
	}
}

// TestImportJobsSong imports a song made through the jobs API from the
// fake, which answers it only on the jobs recordInfo.
func TestImportJobsSong(t *testing.T) {
	fake, l, db, _ := setup(t)
	ctx := context.Background()
	k := newKey(t, db, upstreamKey)
	musicID, audioIDs := fake.AddJobsTask("generating", "Night City", "Iron Man")
	if _, err := l.Import(ctx, k, musicID, audioIDs[1]); mvgen.ErrorCode(err) != mvgen.EConflict {
		t.Errorf("Import while generating: %v, want a conflict (retry later)", err)
	}
	fake.SetStatus(musicID, "success")
	tr, err := l.Import(ctx, k, musicID, audioIDs[1])
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !tr.Upstream || tr.MusicIndex != 1 || tr.Title != "Iron Man" || tr.Tags != "electrifying, rock" ||
		!strings.HasPrefix(tr.AudioURL, fake.URL+"/files/"+musicID+"/") || !strings.HasSuffix(tr.ImageURL, ".png") {
		t.Errorf("imported = %+v", tr)
	}
	if got := fake.Lookups(); got != 4 {
		t.Errorf("upstream lookups = %d, want 4 (record-info then recordInfo, twice)", got)
	}
}
