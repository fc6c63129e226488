package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// LyricsTimeout bounds one get-timestamped-lyrics request: it runs inside
// the first generate of an upstream track, and lyrics are not worth a long
// wait (the video is made without them).
const LyricsTimeout = 5 * time.Second

// TimestampedLyrics asks the upstream for the word timings of the track
// audioID of the music task taskID, with the holder's apiKey (contract
// §6.2): `POST /api/v1/generate/get-timestamped-lyrics` with
// {"taskId", "audioId"}. It returns the answer's body, which
// lyrics.ParseTimestamped reads. Its errors (unreachable, a timeout, a
// status other than 200, an answer over Client.MaxBodyBytes) never contain
// apiKey.
func (c *Client) TimestampedLyrics(ctx context.Context, apiKey, taskID, audioID string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, min(c.timeout(), LyricsTimeout))
	defer cancel()
	body, _ := json.Marshal(map[string]string{"taskId": taskID, "audioId": audioID})
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1/generate/get-timestamped-lyrics"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building the lyrics request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "mvgen")
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the upstream for timestamped lyrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The status line is the upstream's text too.
		return nil, hideKey(fmt.Errorf("the upstream answered get-timestamped-lyrics with HTTP %s", resp.Status), apiKey)
	}
	limit := c.maxBody()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the upstream's timestamped lyrics: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the upstream's timestamped lyrics are over %d bytes", limit)
	}
	return b, nil
}

// Lyrics asks the upstream for the timestamped lyrics of the track audioID
// of the music task taskID (TimestampedLyrics) and reads the answer
// (lyrics.Timestamped): what to store and the lyrics. Its errors never
// contain apiKey, even when the upstream echoes it back in its msg.
func (c *Client) Lyrics(ctx context.Context, apiKey, taskID, audioID string) (kept string, l lyrics.Lyrics, err error) {
	body, err := c.TimestampedLyrics(ctx, apiKey, taskID, audioID)
	if err == nil {
		kept, l, err = lyrics.Timestamped(body)
	}
	if err != nil {
		return "", lyrics.Lyrics{}, hideKey(err, apiKey)
	}
	return kept, l, nil
}

// addLyrics asks the upstream for tr's timestamped lyrics and keeps them
// with tr (lyrics.FormatTimestamped) when they have timed lines. A failure
// is logged and otherwise ignored: the video is made without lyrics rather
// than not at all.
func (l *Lookup) addLyrics(ctx context.Context, k *mvgen.Key, tr *mvgen.Track) {
	log := l.logger().With("key", k.ID, "music_task", tr.MusicTaskID, "audio", tr.ID)
	kept, ly, err := l.Client.Lyrics(ctx, k.UpstreamKey, tr.MusicTaskID, tr.ID)
	switch {
	case err != nil:
		log.Warn("upstream lyrics unavailable; the track's videos are made without lyrics", "err", err)
	case !ly.Timed():
		log.Info("the upstream has no timed lyrics for the track (an instrumental?)")
	default:
		tr.Lyrics, tr.LyricsFormat, tr.SyncedLyrics = kept, lyrics.FormatTimestamped, true
	}
}
