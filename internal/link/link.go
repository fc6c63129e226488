package link

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Validity is how long a video link stays valid: 14 days from the task's
// completion (contract §7).
const Validity = 14 * 24 * time.Hour

// Retention is how long a video file is kept before it is purged, by
// default: 15 days, a day past the last link's expiry (contract §7).
const Retention = 15 * 24 * time.Hour

// KeySize is the size in bytes of the keys [NewKey] makes.
const KeySize = 32

// The errors Check returns.
var (
	// ErrInvalid means the link was not signed by this key for this task and
	// expiry: altered, truncated or forged. The server answers 403.
	ErrInvalid = errors.New("link: invalid signature")
	// ErrExpired means the link is genuine but past its expiry. The server
	// answers 410.
	ErrExpired = errors.New("link: expired")
)

// macPrefix separates this MAC's domain from any other use of the key;
// posterPrefix separates poster links from video links, so that a poster's
// link, which may be shown where the video's is not, never opens the video.
const (
	macPrefix     = "mvgen-link-v1\n"
	posterPrefix  = "mvgen-poster-v1\n"
	captionPrefix = "mvgen-captions-v1\n"
)

// Signer makes and checks links. It is safe for concurrent use; its fields
// must not change after first use.
type Signer struct {
	// Key is the HMAC-SHA256 key (see NewKey). With an empty Key no link
	// is ever valid: Check returns ErrInvalid.
	Key []byte
	// BaseURL is the server's public URL, e.g. "http://127.0.0.1:8080" or
	// "https://example.com/mvgen"; it may carry a path prefix, and a
	// trailing slash is ignored.
	BaseURL string
}

// NewKey returns a new random key of [KeySize] bytes.
func NewKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key) // never returns an error; it crashes the program if the system's random source fails
	return key
}

// URL returns the link to the video of task taskID, valid until expires
// (whole seconds; a fraction is truncated):
//
//	BaseURL + "/v1/videos/" + taskID + ".mp4?expires=<unix seconds>&sig=<signature>"
//
// taskID is path-escaped in the URL and signed as given.
func (s *Signer) URL(taskID string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return strings.TrimRight(s.BaseURL, "/") + "/v1/videos/" + url.PathEscape(taskID) + ".mp4" +
		"?expires=" + exp + "&sig=" + s.sign(macPrefix, taskID, exp)
}

// PosterURL returns the link to the poster image of task taskID's video
// (contract §6.3), valid until expires, signed apart from the video's link:
//
//	BaseURL + "/v1/posters/" + taskID + ".jpg?expires=<unix seconds>&sig=<signature>"
func (s *Signer) PosterURL(taskID string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return strings.TrimRight(s.BaseURL, "/") + "/v1/posters/" + url.PathEscape(taskID) + ".jpg" +
		"?expires=" + exp + "&sig=" + s.sign(posterPrefix, taskID, exp)
}

// CaptionURL returns the link to the caption file in format ("srt",
// "vtt" or "lrc") of task taskID's video (contract §6.5), valid until
// expires, signed apart from the video's and the poster's links (the three
// formats share a signature: they hold the same lyrics):
//
//	BaseURL + "/v1/captions/" + taskID + "." + format + "?expires=<unix seconds>&sig=<signature>"
func (s *Signer) CaptionURL(taskID, format string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return strings.TrimRight(s.BaseURL, "/") + "/v1/captions/" + url.PathEscape(taskID) + "." + format +
		"?expires=" + exp + "&sig=" + s.sign(captionPrefix, taskID, exp)
}

// CheckCaption verifies a caption link's parts as Check does a video
// link's; a video's or a poster's signature is ErrInvalid here.
func (s *Signer) CheckCaption(taskID, expires, sig string, now time.Time) error {
	return s.check(captionPrefix, taskID, expires, sig, now)
}

// CheckPoster verifies a poster link's parts as Check does a video link's;
// a video link's signature is ErrInvalid here, and a poster's there.
func (s *Signer) CheckPoster(taskID, expires, sig string, now time.Time) error {
	return s.check(posterPrefix, taskID, expires, sig, now)
}

// Check verifies a link's parts: taskID as unescaped from the path (without
// ".mp4"), and the expires and sig query parameters exactly as received. It
// returns nil when the link is genuine and now is not after its expiry,
// [ErrInvalid] when the signature does not match (including any change to
// the task id or expiry) or expires is not a number, and [ErrExpired] when
// the link is genuine but expired. The signature is checked first, so an
// altered expiry is ErrInvalid, never ErrExpired.
func (s *Signer) Check(taskID, expires, sig string, now time.Time) error {
	return s.check(macPrefix, taskID, expires, sig, now)
}

func (s *Signer) check(prefix, taskID, expires, sig string, now time.Time) error {
	if len(s.Key) == 0 {
		return ErrInvalid
	}
	// Compare encoded forms: base64 decoding tolerates non-canonical trailing
	// bits, which would let several sig strings pass for one MAC.
	if !hmac.Equal([]byte(sig), []byte(s.sign(prefix, taskID, expires))) {
		return ErrInvalid
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return ErrInvalid
	}
	// Compare seconds as integers: time.Unix(exp, 0) would overflow for
	// far-future values.
	if sec := now.Unix(); sec > exp || (sec == exp && now.Nanosecond() > 0) {
		return ErrExpired
	}
	return nil
}

// sign returns the base64url (unpadded) HMAC-SHA256 of the link's message.
func (s *Signer) sign(prefix, taskID, expires string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(prefix))
	m.Write([]byte(taskID))
	m.Write([]byte{'\n'})
	m.Write([]byte(expires))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
