package mvgen

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Status is a task's successFlag (contract §3).
type Status string

// Task states. A task starts Pending and ends in exactly one of the others;
// Success may later become CallbackException when every callback attempt fails.
const (
	StatusPending           Status = "PENDING"
	StatusSuccess           Status = "SUCCESS"
	StatusCreateFailed      Status = "CREATE_TASK_FAILED"
	StatusRenderFailed      Status = "GENERATE_MP4_FAILED"
	StatusCallbackException Status = "CALLBACK_EXCEPTION"
)

// Task is one video task: a request to turn a source track into an MP4.
type Task struct {
	ID          string // the video task id returned by generate
	KeyID       string // the API key that owns the task
	MusicTaskID string // request taskId: the source music task
	AudioID     string // request audioId: the track inside it
	MusicIndex  int    // the track's position in its music task
	CallbackURL string // optional
	Author      string
	DomainName  string
	Aspect      string // mvgen extension (see Aspect); "" means the default 16:9
	Resolution  string // mvgen extension (see Resolution); "" means the default 720p
	// NoLyrics is set when generate asked for "lyrics": false: the video
	// leaves the track's lyrics out (by default it shows them).
	NoLyrics bool
	// FPS is the video's frame rate, an mvgen extension: 30, or 60; 0
	// means the default 30.
	FPS int
	// AccentColor is "#rrggbb" when generate asked for an accent colour
	// (an mvgen extension), "" for the colour picked from the cover.
	AccentColor string
	// Theme is the look generate asked for (an mvgen extension; see
	// Theme): "" for the default, bars.
	Theme string
	// LogoHash names the logo (Logo.Hash) the key's brand had when the task
	// was made, drawn in the watermark box; "" for none.
	LogoHash string
	// FullFrame is set when generate asked for "safeArea": false: a 9:16
	// video laid out over the whole frame, not inside the platform-safe box.
	FullFrame bool
	// Captions is what the finished video has of caption files: one of
	// CaptionsNone, CaptionsStored or CaptionsUntimed.
	Captions string
	// EmbedCaptions is set when generate asked for "embedCaptions": true:
	// the lyrics go into the MP4 as a mov_text track too.
	EmbedCaptions bool
	// Renditions are the task's further videos (contract §6.5), in
	// request order: none unless generate asked for "renditions". The
	// task's own fields above are rendition 0.
	Renditions []Rendition
	// Duration is the finished video's length; 0 before it exists, or
	// for a video made before lengths were recorded.
	Duration     time.Duration
	Status       Status
	Progress     int    // 0-100 while pending
	ErrorCode    int    // set when failed: webhook.CodeBadSource, CodeDownloadFailed or CodeInternal
	ErrorMessage string // set when failed
	RenderKey    string // identical requests share one rendered file
	VideoKey     string // blob key of the video, once rendered
	WebhookID    string // the one webhook-id of every attempt of this task's callback
	CreatedAt    time.Time
	CompletedAt  time.Time // zero while pending
	ExpiresAt    time.Time // link expiry; zero while pending or failed

	// RequestID is the id of the generate request that made the task
	// (X-Request-Id), carried by every log line about the task.
	RequestID string

	// Idempotency: set when generate was called with an Idempotency-Key.
	IdempotencyKey string
	RequestHash    string

	// Dialect is the API the task was created through, and so the shape of
	// its callback: DialectMP4 (POST /api/v1/mp4/generate) or DialectJobs
	// (POST /api/v1/jobs/createTask, contract §12).
	Dialect Dialect
	// Param is the jobs dialect's "param": the create request as the
	// caller sent it for a task made through the jobs API, its jobs
	// equivalent for one made through generate ("" for tasks stored
	// before dialects existed).
	Param string
}

// Dialect names an API through which video tasks are created.
type Dialect string

// The dialects. DialectMP4 is the zero value: tasks stored before dialects
// existed were all made through generate.
const (
	DialectMP4  Dialect = ""     // POST /api/v1/mp4/generate (contract §2-4)
	DialectJobs Dialect = "jobs" // kie.ai's jobs API (contract §12)
)

// Name is the dialect's name as answers and the dashboard show it: "mp4"
// or "jobs".
func (d Dialect) Name() string {
	if d == DialectMP4 {
		return "mp4"
	}
	return string(d)
}

// AfterCallback is the status a finished task in status s takes when a
// delivery of its callback ends: delivered, a CALLBACK_EXCEPTION recovers to
// SUCCESS (a redelivery worked); abandoned, a SUCCESS becomes
// CALLBACK_EXCEPTION. A failed task keeps its status either way: its
// failure is what record-info must show.
func (s Status) AfterCallback(delivered bool) Status {
	switch {
	case delivered && s == StatusCallbackException:
		return StatusSuccess
	case !delivered && s == StatusSuccess:
		return StatusCallbackException
	}
	return s
}

// Done reports whether the task has left PENDING.
func (t *Task) Done() bool { return t.Status != StatusPending }

// Failed reports whether the task ended without a video.
func (t *Task) Failed() bool {
	return t.Status == StatusCreateFailed || t.Status == StatusRenderFailed
}

// Track is one audio track of the catalogue (contract §6, §9).
type Track struct {
	MusicTaskID string // the music task (taskId in the API)
	ID          string // audioId
	KeyID       string
	MusicIndex  int
	Title       string
	Tags        string
	AudioURL    string // remote source, fetched at render time
	ImageURL    string // remote cover, fetched at render time
	AudioKey    string // blob key of an uploaded audio file
	CoverKey    string // blob key of an uploaded cover
	// Lyrics is the track's lyrics as given (contract §6.2), "" when it has
	// none; LyricsFormat says how it is written: internal/lyrics' FormatLRC
	// (uploaded LRC) or FormatTimestamped (the upstream's word timings),
	// "" when it has none. Lyrics that are valid but carry no times are
	// kept and never shown. Lists of tracks leave Lyrics out (a track's
	// lyrics can be 256 KiB): HasLyrics and SyncedLyrics say what they are.
	Lyrics       string
	LyricsFormat string
	// SyncedLyrics reports whether Lyrics has lines a video can show in
	// time. Whoever sets Lyrics sets it from the parse that checked them
	// (the API at upload, the upstream lookup at import), and the store
	// keeps it, so that lists never parse lyrics.
	SyncedLyrics bool
	// Upstream marks a track looked up on the upstream API (contract §6.1):
	// its URLs are the upstream's, and may be looked up again when they
	// expire.
	Upstream  bool
	CreatedAt time.Time
	// SourcesPurged is set when the uploaded audio and cover were deleted
	// after their retention (--source-retention): the track can no longer
	// be rendered.
	SourcesPurged bool
}

// HasLyrics reports whether the track has lyrics, synced or not; it holds
// for a listed track too, whose Lyrics are left out.
func (t *Track) HasLyrics() bool { return t.LyricsFormat != "" }

// Key is an API key. The token itself is never stored, only its hash.
type Key struct {
	ID            string
	Name          string
	TokenHash     []byte
	WebhookSecret string // whsec_…; needed in clear to sign callbacks
	// PrevWebhookSecret still signs until PrevSecretUntil (key rotation).
	PrevWebhookSecret string
	PrevSecretUntil   time.Time
	// UpstreamKey is the key's user's API key on the upstream Suno-compatible
	// API (contract §6.1), "" when none. A secret: never logged, never in an
	// answer.
	UpstreamKey string
	CreatedAt   time.Time
	RevokedAt   time.Time // zero while active
}

// Revoked reports whether the key has been revoked.
func (k *Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// Attempt is one callback delivery attempt (contract §5.3). A task's first
// delivery is number 1; each redelivery requested through the API is the
// next number, and its attempts count from 1 again.
type Attempt struct {
	TaskID     string
	Delivery   int
	Attempt    int
	At         time.Time
	Duration   time.Duration
	StatusCode int    // 0 when no HTTP answer arrived
	Error      string // transport error, if any
	Response   string // first bytes of the answer
	// RetryAfter is the receiver's Retry-After on a 429 or 503, if any.
	RetryAfter time.Duration
}

// OK reports whether the receiver accepted the callback (any 2xx).
func (a *Attempt) OK() bool { return a.StatusCode >= 200 && a.StatusCode <= 299 && a.Error == "" }

// NewID returns an unguessable URL-safe id: 128 random bits as 32 hex digits,
// the shape of the hosted services' task ids.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
