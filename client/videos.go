package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// GenerateRequest asks for a video of a track (contract §2).
type GenerateRequest struct {
	// TaskID and AudioID name the source track (required).
	TaskID  string `json:"taskId"`
	AudioID string `json:"audioId"`
	// CallBackURL receives the completion callback. Optional for mvgen;
	// the hosted services require it.
	CallBackURL string `json:"callBackUrl,omitempty"`
	// Author is shown prominently at the start (at most 50 characters).
	Author string `json:"author,omitempty"`
	// DomainName is shown as a watermark (at most 50 characters).
	DomainName string `json:"domainName,omitempty"`
	// Aspect is mvgen's extension: "16:9" (default), "1:1", "9:16" or
	// "4:5" (1080×1350 at both resolutions).
	Aspect string `json:"aspect,omitempty"`
	// Resolution is mvgen's extension: "720p" (default) or "1080p".
	Resolution string `json:"resolution,omitempty"`
	// FPS is mvgen's extension: 30 (default) or 60 frames a second.
	FPS int `json:"fps,omitempty"`
	// AccentColor is mvgen's extension: "#rrggbb", the colour of the bars
	// instead of the one picked from the cover.
	AccentColor string `json:"accentColor,omitempty"`
	// Theme is mvgen's extension: the video's look, "bars" (default),
	// "wave", "lyric" or "radial" (docs/API.md §6.6).
	Theme string `json:"theme,omitempty"`
	// Lyrics is mvgen's extension: false makes the video without the
	// track's lyrics; nil shows them when the track has timed ones.
	Lyrics *bool `json:"lyrics,omitempty"`
	// SafeArea is mvgen's extension, for 9:16: false lays the video out
	// over the whole frame; nil keeps everything informative inside the
	// box TikTok's, Reels' and Shorts' overlays leave clear.
	SafeArea *bool `json:"safeArea,omitempty"`
	// EmbedCaptions is mvgen's extension: true also muxes the lyrics into
	// the MP4 as a mov_text subtitle track.
	EmbedCaptions bool `json:"embedCaptions,omitempty"`
	// Renditions is mvgen's extension: up to 6 more videos of the song,
	// whole or clips, made as one kit with the request's own (rendition
	// 0). Record.Videos lists them, and so does the callback's
	// data.videos (webhook.EventData.Videos).
	Renditions []Rendition `json:"renditions,omitempty"`

	// IdempotencyKey, if set, is sent as the Idempotency-Key header: the
	// same key and body within 24 hours return the original task, so the
	// request is retried after network errors and 429/455/503. Without
	// one, a generate is never repeated.
	IdempotencyKey string `json:"-"`
}

// Rendition is one more video of a kit (mvgen's extension of generate).
type Rendition struct {
	// Aspect is required: "16:9", "1:1", "9:16" or "4:5".
	Aspect string `json:"aspect"`
	// Resolution is "720p" (default) or "1080p".
	Resolution string `json:"resolution,omitempty"`
	// Clip, when set, makes a part of the song; nil makes all of it.
	Clip *Clip `json:"clip,omitempty"`
}

// Clip is the part of the song a rendition shows.
type Clip struct {
	// Start is where it starts in the song; with Auto the server picks
	// the hook (the first chorus, or the most repeated loud passage) and
	// Start is not sent.
	Start time.Duration
	Auto  bool
	// Duration is its length, 5 to 90 seconds.
	Duration time.Duration
}

// MarshalJSON writes the clip as the wire has it: {"start": seconds or
// "auto", "duration": seconds}.
func (c Clip) MarshalJSON() ([]byte, error) {
	var start any = c.Start.Seconds()
	if c.Auto {
		start = "auto"
	}
	return json.Marshal(map[string]any{"start": start, "duration": c.Duration.Seconds()})
}

// Generate asks for a video and returns the new video task's id.
func (c *Client) Generate(ctx context.Context, req GenerateRequest) (string, error) {
	body, err := jsonBody(req)
	if err != nil {
		return "", err
	}
	return c.create(ctx, "generate", "/api/v1/mp4/generate", body, req.IdempotencyKey)
}

// create posts the JSON body of a request that makes a video task to path
// and returns the task's id; name names the call in errors. With an
// idempotency key, the call is retried on network errors and retryable
// statuses, since the server answers a repeat with the same task.
func (c *Client) create(ctx context.Context, name, path string, body func() (io.Reader, error), idempotencyKey string) (string, error) {
	cl := call{method: http.MethodPost, path: path, contentType: "application/json", body: body}
	if idempotencyKey != "" {
		cl.header = http.Header{"Idempotency-Key": {idempotencyKey}}
		cl.retryStatus, cl.retryNetwork = true, true
	}
	var out struct {
		TaskID string `json:"taskId"`
	}
	if err := c.do(ctx, cl, &out); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if out.TaskID == "" {
		return "", fmt.Errorf("%s: the answer has no taskId", name)
	}
	return out.TaskID, nil
}

// Status is a video task's successFlag.
type Status string

// The successFlag values (contract §3).
const (
	// StatusPending: queued or rendering.
	StatusPending Status = "PENDING"
	// StatusSuccess: the video is ready and its callback (if any) delivered.
	StatusSuccess Status = "SUCCESS"
	// StatusCreateTaskFailed: the source could not be resolved or fetched.
	StatusCreateTaskFailed Status = "CREATE_TASK_FAILED"
	// StatusGenerateMP4Failed: rendering failed.
	StatusGenerateMP4Failed Status = "GENERATE_MP4_FAILED"
	// StatusCallbackException: the video exists but its callback could not
	// be delivered; Record.VideoURL is still set.
	StatusCallbackException Status = "CALLBACK_EXCEPTION"
)

// Done reports whether the task has left PENDING. An empty flag (a hosted
// service that has not set it yet) counts as pending.
func (s Status) Done() bool { return s != StatusPending && s != "" }

// Failed reports whether the task ended without a video.
func (s Status) Failed() bool { return s == StatusCreateTaskFailed || s == StatusGenerateMP4Failed }

// Record is a video task as record-info describes it (contract §3). Times
// are UTC, the zero time where the server gave none.
type Record struct {
	TaskID      string
	MusicID     string
	AudioID     string
	MusicIndex  int
	CallbackURL string
	SuccessFlag Status
	// VideoURL is response.videoUrl: a fresh signed link, set while the
	// video exists and its link is valid.
	VideoURL string
	// PosterURL is response.posterUrl (mvgen): a signed link to the
	// video's poster, a JPEG of its designed still, set when VideoURL is.
	PosterURL    string
	CreateTime   time.Time
	CompleteTime time.Time
	// ErrorCode and ErrorMessage are set when the task failed.
	ErrorCode    int
	ErrorMessage string

	// mvgen's additions; zero from the hosted services.

	// Progress is the render's progress, 0 to 100.
	Progress   int
	Author     string
	DomainName string
	// ExpireTime is when VideoURL stops working.
	ExpireTime time.Time
	// Videos is response.videos (mvgen): every video of the task,
	// rendition 0 (the one VideoURL names) first; set when VideoURL is.
	Videos []Video
	// CaptionsNote is response.captionsNote (mvgen): why a video of a
	// track with lyrics has no caption files.
	CaptionsNote string
	// Callback summarises the delivery of the completion callback.
	Callback CallbackSummary
}

// Video is one video of a task in record-info's response.videos (mvgen).
type Video struct {
	Aspect     string // "16:9", "1:1", "9:16" or "4:5"
	Resolution string // "720p" or "1080p"
	Width      int
	Height     int
	// Start is where the video starts in the song; Duration is its length,
	// 0 when the server did not record it.
	Start, Duration time.Duration
	VideoURL        string
	PosterURL       string
	// Captions are signed links to the video's lyrics as caption files;
	// nil when it shows none.
	Captions *Captions
}

// Captions are the signed links to a video's caption files (mvgen).
type Captions struct {
	SRT string `json:"srt"`
	VTT string `json:"vtt"`
	LRC string `json:"lrc"`
}

// CallbackSummary is record-info's "callback" field.
type CallbackSummary struct {
	Attempts        int
	LastStatus      int
	LastError       string
	LastAttemptTime time.Time
}

// wireRecord is record-info's data as the wire has it.
type wireRecord struct {
	TaskID      string  `json:"taskId"`
	MusicID     string  `json:"musicId"`
	AudioID     string  `json:"audioId"`
	MusicIndex  jsonInt `json:"musicIndex"`
	CallbackURL *string `json:"callbackUrl"`
	SuccessFlag Status  `json:"successFlag"`
	Response    *struct {
		VideoURL     *string `json:"videoUrl"`
		PosterURL    *string `json:"posterUrl"`
		CaptionsNote string  `json:"captionsNote"`
		Videos       []struct {
			Aspect     string    `json:"aspect"`
			Resolution string    `json:"resolution"`
			Width      int       `json:"width"`
			Height     int       `json:"height"`
			Start      float64   `json:"start"`
			Duration   *float64  `json:"duration"`
			VideoURL   string    `json:"videoUrl"`
			PosterURL  string    `json:"posterUrl"`
			Captions   *Captions `json:"captions"`
		} `json:"videos"`
	} `json:"response"`
	CreateTime   jsonTime `json:"createTime"`
	CompleteTime jsonTime `json:"completeTime"`
	ErrorCode    jsonInt  `json:"errorCode"`
	ErrorMessage *string  `json:"errorMessage"`

	Progress   jsonInt  `json:"progress"`
	Author     string   `json:"author"`
	DomainName string   `json:"domainName"`
	ExpireTime jsonTime `json:"expireTime"`
	Callback   *struct {
		Attempts        int      `json:"attempts"`
		LastStatus      jsonInt  `json:"lastStatus"`
		LastError       *string  `json:"lastError"`
		LastAttemptTime jsonTime `json:"lastAttemptTime"`
	} `json:"callback"`
}

func (w *wireRecord) record() *Record {
	r := &Record{TaskID: w.TaskID, MusicID: w.MusicID, AudioID: w.AudioID, MusicIndex: int(w.MusicIndex),
		CallbackURL: deref(w.CallbackURL), SuccessFlag: w.SuccessFlag,
		CreateTime: w.CreateTime.Time, CompleteTime: w.CompleteTime.Time,
		ErrorCode: int(w.ErrorCode), ErrorMessage: deref(w.ErrorMessage),
		Progress: int(w.Progress), Author: w.Author, DomainName: w.DomainName, ExpireTime: w.ExpireTime.Time}
	if r.AudioID == "" {
		r.AudioID = r.MusicID // the hosted services give musicId only
	}
	if w.Response != nil {
		r.VideoURL, r.PosterURL = deref(w.Response.VideoURL), deref(w.Response.PosterURL)
		r.CaptionsNote = w.Response.CaptionsNote
		for _, v := range w.Response.Videos {
			s := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)).Round(time.Millisecond) }
			video := Video{Aspect: v.Aspect, Resolution: v.Resolution, Width: v.Width, Height: v.Height, Start: s(v.Start),
				VideoURL: v.VideoURL, PosterURL: v.PosterURL, Captions: v.Captions}
			if v.Duration != nil {
				video.Duration = s(*v.Duration)
			}
			r.Videos = append(r.Videos, video)
		}
	}
	if cb := w.Callback; cb != nil {
		r.Callback = CallbackSummary{Attempts: cb.Attempts, LastStatus: int(cb.LastStatus),
			LastError: deref(cb.LastError), LastAttemptTime: cb.LastAttemptTime.Time}
	}
	if r.SuccessFlag == StatusSuccess || r.SuccessFlag == StatusCallbackException {
		r.Progress = 100
	}
	return r
}

// Record returns the state of a video task (record-info).
func (c *Client) Record(ctx context.Context, taskID string) (*Record, error) {
	var w wireRecord
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/mp4/record-info",
		query: url.Values{"taskId": {taskID}}, retryStatus: true, retryNetwork: true}, &w)
	if err != nil {
		return nil, fmt.Errorf("record-info %s: %w", taskID, err)
	}
	return w.record(), nil
}

// Defaults of WaitOptions.
const (
	DefaultPollInterval    = 500 * time.Millisecond
	DefaultMaxPollInterval = 5 * time.Second
)

// WaitOptions tunes WaitForVideo; the zero value (or nil) uses the defaults.
type WaitOptions struct {
	// Progress, if set, is called with every record read while waiting.
	Progress func(*Record)
	// Interval is the first wait between polls. Default DefaultPollInterval.
	// While the render's progress does not move, the wait grows by half
	// each poll up to MaxInterval; it starts again when progress moves.
	Interval time.Duration
	// MaxInterval caps the wait. Default DefaultMaxPollInterval.
	MaxInterval time.Duration
}

// WaitForVideo polls record-info until the task leaves PENDING, or ctx
// ends. It returns the last record; when the task failed (successFlag
// CREATE_TASK_FAILED or GENERATE_MP4_FAILED) also a *VideoError.
// CALLBACK_EXCEPTION is not an error: the video exists.
func (c *Client) WaitForVideo(ctx context.Context, taskID string, opts *WaitOptions) (*Record, error) {
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	if o.Interval <= 0 {
		o.Interval = DefaultPollInterval
	}
	if o.MaxInterval < o.Interval {
		o.MaxInterval = max(DefaultMaxPollInterval, o.Interval)
	}
	wait, lastProgress := o.Interval, -1
	for {
		r, err := c.Record(ctx, taskID)
		if err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(r)
		}
		if r.SuccessFlag.Done() {
			if r.SuccessFlag.Failed() {
				return r, &VideoError{TaskID: r.TaskID, Flag: r.SuccessFlag, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage}
			}
			return r, nil
		}
		if r.Progress != lastProgress {
			wait, lastProgress = o.Interval, r.Progress
		} else {
			wait = min(wait*3/2, o.MaxInterval)
		}
		if err := sleep(ctx, wait); err != nil {
			return r, fmt.Errorf("waiting for video task %s: %w", taskID, err)
		}
	}
}

// Callbacks is the log of a task's callback deliveries.
type Callbacks struct {
	TaskID      string
	WebhookID   string
	CallbackURL string
	Attempts    []Attempt
}

// Attempt is one try at delivering a callback.
type Attempt struct {
	// Delivery counts deliveries (1, then one more per redelivery);
	// Attempt counts tries within a delivery.
	Delivery, Attempt int
	Time              time.Time
	Duration          time.Duration
	// Status is the receiver's HTTP status, 0 when it did not answer.
	Status int
	// Error says why the attempt failed, "" on success.
	Error string
	// Response is the first bytes of the receiver's answer.
	Response string
}

// Callbacks lists every callback attempt of a task.
func (c *Client) Callbacks(ctx context.Context, taskID string) (*Callbacks, error) {
	var w struct {
		TaskID      string `json:"taskId"`
		WebhookID   string `json:"webhookId"`
		CallbackURL string `json:"callbackUrl"`
		Attempts    []struct {
			Delivery   int      `json:"delivery"`
			Attempt    int      `json:"attempt"`
			Time       jsonTime `json:"time"`
			DurationMs int64    `json:"durationMs"`
			Status     jsonInt  `json:"status"`
			Error      *string  `json:"error"`
			Response   string   `json:"response"`
		} `json:"attempts"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/mp4/callbacks",
		query: url.Values{"taskId": {taskID}}, retryStatus: true, retryNetwork: true}, &w)
	if err != nil {
		return nil, fmt.Errorf("callbacks of %s: %w", taskID, err)
	}
	out := &Callbacks{TaskID: w.TaskID, WebhookID: w.WebhookID, CallbackURL: w.CallbackURL,
		Attempts: make([]Attempt, 0, len(w.Attempts))}
	for _, a := range w.Attempts {
		out.Attempts = append(out.Attempts, Attempt{Delivery: a.Delivery, Attempt: a.Attempt, Time: a.Time.Time,
			Duration: time.Duration(a.DurationMs) * time.Millisecond, Status: int(a.Status), Error: deref(a.Error), Response: a.Response})
	}
	return out, nil
}

// Redelivery is a new delivery of a task's callback.
type Redelivery struct {
	TaskID string `json:"taskId"`
	// WebhookID is the same for every delivery of the task's callback.
	WebhookID string `json:"webhookId"`
	// Delivery is the new delivery's number.
	Delivery int `json:"delivery"`
}

// Redeliver sends a finished task's callback again. It answers ErrConflict
// while the task is still rendering and ErrValidation when it has no
// callBackUrl.
func (c *Client) Redeliver(ctx context.Context, taskID string) (*Redelivery, error) {
	body, err := jsonBody(map[string]string{"taskId": taskID})
	if err != nil {
		return nil, err
	}
	var out Redelivery
	err = c.do(ctx, call{method: http.MethodPost, path: "/api/v1/mp4/callbacks/redeliver",
		contentType: "application/json", body: body, retryStatus: true}, &out)
	if err != nil {
		return nil, fmt.Errorf("redeliver %s: %w", taskID, err)
	}
	return &out, nil
}
