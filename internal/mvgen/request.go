package mvgen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// RenderVersion changes whenever the renderer's output changes, so identical
// requests do not share files across renderer versions.
const RenderVersion = "3"

// Limits of a generate request's fields (contract §2).
const (
	MaxIDBytes             = 128
	MaxAuthorRunes         = 50
	MaxDomainRunes         = 50
	MaxIdempotencyKeyBytes = 255
)

// Request is a generate request (contract §2 and mvgen's extensions).
type Request struct {
	TaskID      string `json:"taskId"`
	AudioID     string `json:"audioId"`
	CallBackURL string `json:"callBackUrl"`
	Author      string `json:"author"`
	DomainName  string `json:"domainName"`
	// Aspect is mvgen's extension: "16:9" (default), "1:1", "9:16" or "4:5".
	Aspect string `json:"aspect"`
	// Resolution is mvgen's extension: "720p" (default) or "1080p".
	Resolution string `json:"resolution,omitempty"`
	// Lyrics is mvgen's extension: false leaves the track's lyrics out of
	// the video; absent or true shows them when the track has them.
	Lyrics *bool `json:"lyrics,omitempty"`
	// FPS is mvgen's extension: 30 (default) or 60 frames a second.
	FPS int `json:"fps,omitempty"`
	// AccentColor is mvgen's extension: "#rrggbb", the colour of the bars
	// and the background's hue instead of the one picked from the cover.
	AccentColor string `json:"accentColor,omitempty"`
	// Theme is mvgen's extension: the video's look, one of Themes ("bars",
	// the default, when absent).
	Theme string `json:"theme,omitempty"`
	// SafeArea is mvgen's extension: false lays a 9:16 video out over the
	// whole frame; absent or true keeps everything informative inside the
	// box TikTok's, Reels' and Shorts' overlays leave clear (contract
	// §6.5). Other aspects ignore it.
	SafeArea *bool `json:"safeArea,omitempty"`
	// EmbedCaptions is mvgen's extension: true also muxes the lyrics into
	// the MP4 as a mov_text subtitle track (contract §6.5; off by default,
	// as some platforms refuse extra tracks).
	EmbedCaptions bool `json:"embedCaptions,omitempty"`
	// Renditions is mvgen's extension (contract §6.5): up to 6 more videos
	// of the song, whole or clips, made with the request's own (rendition
	// 0) as one kit.
	Renditions Renditions `json:"renditions,omitempty"`

	// Dialect is the API the request came through (DialectMP4 unless
	// set); it is not a field of any request body.
	Dialect Dialect `json:"-"`
}

// Validate applies every rule of contract §2; the *Error's message names the
// field. checkURL judges callBackUrl (internal/netguard's CheckURL: form
// and address class); its error's text completes the message.
func (r *Request) Validate(checkURL func(string) error) error {
	return r.ValidateAs(checkURL, func(name string) string { return name })
}

// ValidateAs is Validate for a request that came in another dialect, whose
// messages name each field as name spells it: name("taskId") is what that
// dialect's clients call taskId ("input.task_id" for the jobs API).
func (r *Request) ValidateAs(checkURL func(string) error, name func(string) string) error {
	for _, f := range []struct{ name, value string }{{name("taskId"), r.TaskID}, {name("audioId"), r.AudioID}} {
		switch {
		case strings.TrimSpace(f.value) == "":
			return Errorf(EInvalid, "%s is required", f.name)
		case len(f.value) > MaxIDBytes:
			return Errorf(EInvalid, "%s must be at most %d bytes", f.name, MaxIDBytes)
		}
	}
	if r.CallBackURL != "" {
		if err := checkURL(r.CallBackURL); err != nil {
			return Errorf(EInvalid, "%s: %v", name("callBackUrl"), err)
		}
	}
	if n := utf8.RuneCountInString(r.Author); n > MaxAuthorRunes {
		return Errorf(EInvalid, "%s must be at most %d characters (got %d)", name("author"), MaxAuthorRunes, n)
	}
	if n := utf8.RuneCountInString(r.DomainName); n > MaxDomainRunes {
		return Errorf(EInvalid, "%s must be at most %d characters (got %d)", name("domainName"), MaxDomainRunes, n)
	}
	if _, err := ParseAspect(r.Aspect); err != nil {
		return Errorf(EInvalid, "%s: %v", name("aspect"), err)
	}
	if _, err := ParseResolution(r.Resolution); err != nil {
		return Errorf(EInvalid, "%s: %v", name("resolution"), err)
	}
	if r.FPS != 0 && r.FPS != 30 && r.FPS != 60 {
		return Errorf(EInvalid, "%s must be 30 or 60 (got %d)", name("fps"), r.FPS)
	}
	if r.AccentColor != "" {
		if _, err := ParseColor(r.AccentColor); err != nil {
			return Errorf(EInvalid, "%s: %v", name("accentColor"), err)
		}
	}
	if _, err := ParseTheme(r.Theme); err != nil {
		return Errorf(EInvalid, "%s: %v", name("theme"), err)
	}
	return r.Renditions.validate(r.Aspect, r.Resolution, name)
}

// Hash identifies a request for Idempotency-Key checks: the parsed fields,
// so whitespace and key order do not matter. The extensions added later
// (resolution, lyrics, fps, accentColor, theme) are left out when absent, so a
// request hashes as it did before they existed; so is the dialect of a
// generate request.
func (r Request) Hash() string {
	b, _ := json.Marshal(r)
	if r.Dialect != DialectMP4 {
		b = append(b, "\n"+string(r.Dialect)...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NewTask returns the pending task that r asks for on track tr, owned by
// key keyID, with its render key set; r must be valid.
func (r Request) NewTask(keyID string, tr *Track, now time.Time) *Task {
	t := &Task{
		ID: NewID(), KeyID: keyID,
		MusicTaskID: r.TaskID, AudioID: r.AudioID, MusicIndex: tr.MusicIndex,
		CallbackURL: r.CallBackURL, Author: r.Author, DomainName: r.DomainName, Aspect: r.Aspect,
		Resolution: r.Resolution, NoLyrics: r.Lyrics != nil && !*r.Lyrics, FPS: r.FPS, AccentColor: r.AccentColor, Theme: r.Theme,
		FullFrame: r.SafeArea != nil && !*r.SafeArea, EmbedCaptions: r.EmbedCaptions,
		Status: StatusPending, Dialect: r.Dialect,
		WebhookID: "msg_" + NewID(),
		CreatedAt: now.UTC(),
	}
	for i, rr := range r.Renditions {
		t.Renditions = append(t.Renditions, Rendition{Index: i + 1, Aspect: rr.Aspect, Resolution: rr.Resolution,
			FullFrame: t.FullFrame, Clip: clipOf(rr.Clip)})
	}
	t.SetRenderKeys(tr)
	return t
}

// RenderKey identifies what a render of t on track tr depends on, so
// identical requests share one file (contract §2). It includes the owning
// API key: keys never share a file, so a tenant cannot learn from a fast
// render (or from a video that does not match a URL's changed content)
// that another tenant rendered the same inputs. The aspect, resolution,
// frame rate, accent colour and theme count as what they mean (and the
// brand's logo by its content hash) ("" and "720p" are
// one, 0 and 30 fps, "#FF0000" and "#ff0000", "" and "bars"), the track's lyrics count
// unless the task leaves them out, and the full-frame layout counts in 9:16
// only (the other aspects have one layout).
func RenderKey(tr *Track, t *Task) string {
	return hashParts(renderKeyParts(tr, t))
}

// renderKeyParts are what RenderKey hashes.
func renderKeyParts(tr *Track, t *Task) []string {
	aspect, _ := ParseAspect(t.Aspect)
	res, _ := ParseResolution(t.Resolution)
	var lyrics string
	if !t.NoLyrics && tr.Lyrics != "" {
		lyrics = tr.LyricsFormat + "\n" + tr.Lyrics
	}
	parts := []string{RenderVersion, t.KeyID, tr.AudioKey, tr.AudioURL, tr.CoverKey, tr.ImageURL,
		tr.Title, t.Author, t.DomainName, string(aspect), string(res), lyrics}
	// Added after the other parts, and only when set: the keys of videos
	// made before these existed stay what they were.
	if t.FPS == 60 {
		parts = append(parts, "fps=60")
	}
	if c, err := ParseColor(t.AccentColor); err == nil {
		parts = append(parts, "accent="+c.String())
	}
	if th, _ := ParseTheme(t.Theme); th != Bars {
		parts = append(parts, "theme="+string(th))
	}
	if t.LogoHash != "" {
		parts = append(parts, "logo="+t.LogoHash)
	}
	if t.FullFrame && aspect == Portrait {
		parts = append(parts, "full-frame")
	}
	if t.EmbedCaptions && lyrics != "" {
		parts = append(parts, "embed-captions")
	}
	return parts
}

// hashParts is a render key: the first 128 bits of the SHA-256 of parts.
func hashParts(parts []string) string {
	b, _ := json.Marshal(parts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Default limits on a source track, each configurable (mvgen serve
// --max-source-bytes, --max-audio-duration).
const (
	DefaultMaxSourceBytes   = 200 << 20 // 200 MiB, uploaded or downloaded
	DefaultMaxAudioDuration = 15 * time.Minute
)
