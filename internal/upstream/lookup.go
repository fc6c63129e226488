package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Limits of the text an upstream track brings into the catalogue (the
// catalogue's own, docs/DECISIONS.md); longer text is cut.
const (
	maxTitleRunes = 200
	maxTagsRunes  = 500
)

// Store is what Lookup reads and writes.
type Store interface {
	Key(ctx context.Context, id string) (*mvgen.Key, error)
	CreateTrack(ctx context.Context, t *mvgen.Track) error
	Track(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error)
	SetTrackURLs(ctx context.Context, keyID, musicTaskID, audioID, audioURL, imageURL string) error
}

// Lookup finds tracks on the upstream and keeps them in the catalogue.
// Client and Store are required.
type Lookup struct {
	Client *Client
	Store  Store
	// CheckURL judges the audio and image URLs the upstream answers
	// (netguard's Guard.CheckURL); nil accepts any.
	CheckURL func(string) error
	// Logger receives lookups that failed for a reason the operator should
	// see (the upstream unavailable or refusing a key); nil means discard.
	Logger *slog.Logger
	// Observer, when set, hears the outcome of every upstream request
	// (internal/metrics).
	Observer Observer
}

// Observer hears each upstream lookup's outcome ("found", "not_found",
// "not_ready", "refused", "unavailable" or "error") and how long it took.
type Observer interface {
	UpstreamLookup(outcome string, took time.Duration)
}

// outcome names a lookup's result for the Observer.
func outcome(err error) string {
	var e *Error
	switch {
	case err == nil:
		return "found"
	case !errors.As(err, &e):
		return "error"
	}
	switch e.Domain.Code {
	case mvgen.ENotFound:
		return "not_found"
	case mvgen.EConflict:
		return "not_ready"
	case mvgen.EForbidden:
		return "refused"
	case mvgen.EUnavailable:
		return "unavailable"
	}
	return "error"
}

// Import looks the track audioID of the music task musicTaskID up with k's
// upstream key and stores it as a catalogue entry of k, which it returns.
// k must have an upstream key. The errors are *Error (see the package
// documentation).
func (l *Lookup) Import(ctx context.Context, k *mvgen.Key, musicTaskID, audioID string) (*mvgen.Track, error) {
	up, err := l.find(ctx, k, musicTaskID, audioID)
	if err != nil {
		return nil, err
	}
	tr := &mvgen.Track{KeyID: k.ID, MusicTaskID: musicTaskID, ID: audioID, MusicIndex: up.MusicIndex,
		Title: cut(up.Title, maxTitleRunes), Tags: cut(up.Tags, maxTagsRunes),
		AudioURL: up.Audio(), ImageURL: up.Image(), Upstream: true, CreatedAt: time.Now().UTC()}
	l.addLyrics(ctx, k, tr) // lyrics.go: once, here; a failure leaves the track without
	if err := l.Store.CreateTrack(ctx, tr); err != nil {
		// A concurrent generate for the same track stored it first.
		if stored, lerr := l.Store.Track(ctx, k.ID, musicTaskID, audioID); lerr == nil {
			return stored, nil
		}
		return nil, fmt.Errorf("storing upstream track %s/%s: %w", musicTaskID, audioID, err)
	}
	l.logger().Info("upstream track imported", "key", k.ID, "music_task", musicTaskID, "audio", audioID)
	return tr, nil
}

// Refresh looks a stored upstream track up again and stores the fresh audio
// and image URLs the upstream answers now (its links expire), returning the
// updated track.
func (l *Lookup) Refresh(ctx context.Context, tr *mvgen.Track) (*mvgen.Track, error) {
	if !tr.Upstream {
		return nil, fmt.Errorf("track %s/%s did not come from the upstream", tr.MusicTaskID, tr.ID)
	}
	k, err := l.Store.Key(ctx, tr.KeyID)
	if err != nil {
		return nil, fmt.Errorf("loading key %s: %w", tr.KeyID, err)
	}
	up, err := l.find(ctx, k, tr.MusicTaskID, tr.ID)
	if err != nil {
		return nil, err
	}
	fresh := *tr
	fresh.AudioURL, fresh.ImageURL = up.Audio(), up.Image()
	if err := l.Store.SetTrackURLs(ctx, tr.KeyID, tr.MusicTaskID, tr.ID, fresh.AudioURL, fresh.ImageURL); err != nil {
		return nil, fmt.Errorf("storing fresh URLs of %s/%s: %w", tr.MusicTaskID, tr.ID, err)
	}
	l.logger().Info("upstream track URLs refreshed", "key", k.ID, "music_task", tr.MusicTaskID, "audio", tr.ID)
	return &fresh, nil
}

// find asks the upstream for the track and checks its URLs.
func (l *Lookup) find(ctx context.Context, k *mvgen.Key, musicTaskID, audioID string) (*Track, error) {
	if k.UpstreamKey == "" {
		return nil, fail(mvgen.ENotFound, nil, "no track with audioId %q in taskId %q, and this API key has no upstream key "+
			"to look it up with (register the track with POST /api/v1/tracks, or ask the operator: mvgen keys set-upstream)", audioID, musicTaskID)
	}
	start := time.Now()
	up, err := l.Client.Track(ctx, k.UpstreamKey, musicTaskID, audioID)
	if l.Observer != nil {
		l.Observer.UpstreamLookup(outcome(err), time.Since(start))
	}
	if err != nil {
		l.report(k, musicTaskID, audioID, err)
		return nil, err
	}
	for _, f := range []struct{ name, value string }{{"audioUrl", up.Audio()}, {"imageUrl", up.Image()}} {
		if f.value == "" || l.CheckURL == nil {
			continue
		}
		if err := l.CheckURL(f.value); err != nil {
			return nil, fail(mvgen.EInvalid, err, "the upstream's %s of track %q cannot be used as a source: %v", f.name, audioID, err)
		}
	}
	return up, nil
}

// report logs the failures the operator can act on, with the upstream key
// cut out of the cause in case the upstream echoed it.
func (l *Lookup) report(k *mvgen.Key, musicTaskID, audioID string, err error) {
	var e *Error
	if !errors.As(err, &e) || (e.Domain.Code != mvgen.EUnavailable && e.Domain.Code != mvgen.EForbidden) {
		return
	}
	l.logger().Warn("upstream lookup failed", "key", k.ID, "music_task", musicTaskID, "audio", audioID,
		"err", redactKey(err.Error(), k.UpstreamKey))
}

// redactKey returns s with every copy of key replaced by "[upstream key]",
// as written and as Go's %q escapes it (the errors quote the upstream's
// msg): an upstream may echo the Authorization header back.
func redactKey(s, key string) string {
	if key == "" {
		return s
	}
	s = strings.ReplaceAll(s, key, "[upstream key]")
	if q := strconv.Quote(key); q[1:len(q)-1] != key {
		s = strings.ReplaceAll(s, q[1:len(q)-1], "[upstream key]")
	}
	return s
}

// hideKey returns err, or when its message holds key, an error of the same
// message with the key cut out (redactKey). That error does not unwrap to
// err, whose message still holds the key.
func hideKey(err error, key string) error {
	if err == nil {
		return nil
	}
	if msg := redactKey(err.Error(), key); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}

func (l *Lookup) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

// cut returns s cut to at most n runes, valid UTF-8.
func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
