package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// testUpstream covers what upstream track lookup stores (contract §6.1): a
// key's upstream key, set and cleared, and upstream tracks whose URLs are
// replaced when they expire.
func testUpstream(t *testing.T, s store.Store, _ Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")

	if got, _ := s.Key(ctx, a.ID); got.UpstreamKey != "" {
		t.Errorf("new key's UpstreamKey = %q, want empty", got.UpstreamKey)
	}
	withKey := &mvgen.Key{ID: mvgen.NewID(), Name: "carol", TokenHash: []byte(mvgen.NewID()),
		WebhookSecret: "whsec_carol", UpstreamKey: "sk-created", CreatedAt: now}
	if err := s.CreateKey(ctx, withKey); err != nil {
		t.Fatalf("CreateKey with an upstream key: %v", err)
	}
	if got, _ := s.KeyByTokenHash(ctx, withKey.TokenHash); got.UpstreamKey != "sk-created" {
		t.Errorf("CreateKey stored UpstreamKey %q, want %q", got.UpstreamKey, "sk-created")
	}
	for _, tc := range []struct {
		id, set, want string
	}{
		{withKey.ID, "", ""}, // cleared
		{a.ID, "sk-alice-1", "sk-alice-1"},
		{a.ID, "sk-alice-2", "sk-alice-2"},
	} {
		if err := s.SetUpstreamKey(ctx, tc.id, tc.set); err != nil {
			t.Fatalf("SetUpstreamKey(%q): %v", tc.set, err)
		}
		if got, _ := s.Key(ctx, tc.id); got.UpstreamKey != tc.want {
			t.Errorf("after SetUpstreamKey(%q): UpstreamKey = %q, want %q", tc.set, got.UpstreamKey, tc.want)
		}
	}
	if got, _ := s.Key(ctx, b.ID); got.UpstreamKey != "" {
		t.Errorf("another key's UpstreamKey = %q, want empty", got.UpstreamKey)
	}
	if err := s.SetUpstreamKey(ctx, "missing", "x"); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("SetUpstreamKey(missing) = %v, want ErrNotFound", err)
	}

	up := &mvgen.Track{KeyID: a.ID, MusicTaskID: "5c79be8e", ID: "8551662c", MusicIndex: 1,
		Title: "钢铁侠", Tags: "electrifying, rock", AudioURL: "https://cdn.example/a.mp3",
		ImageURL: "https://cdn.example/a.jpeg", Upstream: true, CreatedAt: now}
	if err := s.CreateTrack(ctx, up); err != nil {
		t.Fatalf("CreateTrack: %v", err)
	}
	if err := s.CreateTrack(ctx, &mvgen.Track{KeyID: a.ID, MusicTaskID: "own", ID: "t", AudioKey: "k", CreatedAt: now}); err != nil {
		t.Fatalf("CreateTrack: %v", err)
	}
	got, err := s.Track(ctx, a.ID, up.MusicTaskID, up.ID)
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	if !got.Upstream || got.AudioURL != up.AudioURL || got.MusicIndex != 1 || got.Title != up.Title {
		t.Errorf("upstream track = %+v, want %+v", got, up)
	}
	if own, _ := s.Track(ctx, a.ID, "own", "t"); own.Upstream {
		t.Errorf("uploaded track: Upstream = true, want false")
	}

	if err := s.SetTrackURLs(ctx, a.ID, up.MusicTaskID, up.ID, "https://cdn.example/fresh.mp3", "https://cdn.example/fresh.jpeg"); err != nil {
		t.Fatalf("SetTrackURLs: %v", err)
	}
	got, _ = s.Track(ctx, a.ID, up.MusicTaskID, up.ID)
	if got.AudioURL != "https://cdn.example/fresh.mp3" || got.ImageURL != "https://cdn.example/fresh.jpeg" || !got.Upstream {
		t.Errorf("after SetTrackURLs: audio %q image %q upstream %v", got.AudioURL, got.ImageURL, got.Upstream)
	}
	if err := s.SetTrackURLs(ctx, b.ID, up.MusicTaskID, up.ID, "https://evil.example/x", ""); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("SetTrackURLs on another key's track = %v, want ErrNotFound", err)
	}
}
