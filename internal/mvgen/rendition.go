package mvgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// Limits of generate's renditions (contract §6.5).
const (
	MaxRenditions   = 6
	MinClipDuration = 5 * time.Second
	MaxClipDuration = 90 * time.Second
	// maxClipStart bounds a clip's start far past any song mvgen takes
	// (15 minutes by default), so that it always fits a time.Duration.
	maxClipStart = 24 * time.Hour
)

// RenditionRequest is one object of generate's "renditions" (contract
// §6.5): one more video of the same song, whole or as a clip.
type RenditionRequest struct {
	// Aspect is required: "16:9", "1:1", "9:16" or "4:5".
	Aspect string `json:"aspect"`
	// Resolution is "720p" (default) or "1080p".
	Resolution string `json:"resolution,omitempty"`
	// Clip, when set, makes a part of the song; nil makes all of it.
	Clip *ClipRequest `json:"clip,omitempty"`
}

// ClipRequest is a rendition's "clip": where it starts and how long it is.
type ClipRequest struct {
	Start ClipStart `json:"start"`
	// Duration is in seconds, 5 to 90.
	Duration float64 `json:"duration"`
}

// ClipStart is a clip's "start": a number of seconds, or "auto" (the
// renderer picks the hook). The zero value is an absent start.
type ClipStart struct {
	Seconds float64
	Auto    bool
	// set says the field was present; other holds a string that is not
	// "auto", for Validate to name.
	set   bool
	other string
}

// StartAt returns the start seconds s (a number).
func StartAt(s float64) ClipStart { return ClipStart{Seconds: s, set: true} }

// AutoStart returns the start "auto".
func AutoStart() ClipStart { return ClipStart{Auto: true, set: true} }

// UnmarshalJSON takes a number or a string; any other JSON type is a
// *json.UnmarshalTypeError (400).
func (s *ClipStart) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case float64:
		*s = ClipStart{Seconds: v, set: true}
	case string:
		*s = ClipStart{Auto: v == "auto", set: true}
		if v != "auto" {
			s.other = v
		}
	case nil:
		*s = ClipStart{}
	default:
		return &json.UnmarshalTypeError{Value: jsonKind(v), Type: reflectFloat}
	}
	return nil
}

// MarshalJSON writes "auto" or the number of seconds.
func (s ClipStart) MarshalJSON() ([]byte, error) {
	switch {
	case s.Auto:
		return []byte(`"auto"`), nil
	case s.other != "":
		return json.Marshal(s.other)
	case !s.set:
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(s.Seconds, 'f', -1, 64)), nil
}

// Renditions is generate's "renditions". Its JSON decoding names a wrong
// type by the element's index ("renditions[2].clip.duration"), as a 400
// *Error.
type Renditions []RenditionRequest

// UnmarshalJSON decodes each element apart, so that its errors name it.
func (rs *Renditions) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*rs = nil
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Errorf(EBadRequest, "renditions must be a JSON array of objects")
	}
	out := make(Renditions, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &te) && te.Field == "clip.start":
				return Errorf(EBadRequest, "renditions[%d].clip.start must be a JSON number or \"auto\", not %s", i, te.Value)
			case errors.As(err, &te) && te.Field != "":
				return Errorf(EBadRequest, "renditions[%d].%s must be a JSON %s, not %s", i, te.Field, jsonName(te.Type.Kind().String()), te.Value)
			default:
				return Errorf(EBadRequest, "renditions[%d] must be a JSON object", i)
			}
		}
	}
	*rs = out
	return nil
}

// validate applies contract §6.5's rules; name spells a field as the
// request's dialect does (see ValidateAs).
// aspect and resolution are rendition 0's (the request's own): a rendition
// that repeats it, or another rendition, is refused, since it would be the
// same file twice.
func (rs Renditions) validate(aspect, resolution string, name func(string) string) error {
	if len(rs) > MaxRenditions {
		return Errorf(EInvalid, "%s may hold at most %d renditions (got %d)", name("renditions"), MaxRenditions, len(rs))
	}
	seen := map[string]string{videoID(aspect, resolution, nil): "rendition 0 (the request's own aspect and resolution)"}
	for i, r := range rs {
		field := func(f string) string { return fmt.Sprintf("%s[%d].%s", name("renditions"), i, f) }
		if r.Aspect == "" {
			return Errorf(EInvalid, "%s is required", field("aspect"))
		}
		if _, err := ParseAspect(r.Aspect); err != nil {
			return Errorf(EInvalid, "%s: %v", field("aspect"), err)
		}
		if _, err := ParseResolution(r.Resolution); err != nil {
			return Errorf(EInvalid, "%s: %v", field("resolution"), err)
		}
		if c := r.Clip; c != nil {
			switch s := c.Start; {
			case !s.set:
				return Errorf(EInvalid, "%s is required: seconds into the song, or \"auto\"", field("clip.start"))
			case s.other != "":
				return Errorf(EInvalid, "%s must be a number of seconds or \"auto\" (got %q)", field("clip.start"), s.other)
			case !s.Auto && s.Seconds < 0:
				return Errorf(EInvalid, "%s must be 0 or more seconds (got %v)", field("clip.start"), s.Seconds)
			case !s.Auto && s.Seconds > maxClipStart.Seconds():
				return Errorf(EInvalid, "%s must be at most %v seconds (got %v)", field("clip.start"), maxClipStart.Seconds(), s.Seconds)
			}
			if d := c.Duration; d < MinClipDuration.Seconds() || d > MaxClipDuration.Seconds() {
				return Errorf(EInvalid, "%s must be %v to %v seconds (got %v)", field("clip.duration"),
					MinClipDuration.Seconds(), MaxClipDuration.Seconds(), d)
			}
		}
		this := fmt.Sprintf("%s[%d]", name("renditions"), i)
		id := videoID(r.Aspect, r.Resolution, clipOf(r.Clip))
		if prev, ok := seen[id]; ok {
			return Errorf(EInvalid, "%s asks for the same video as %s", this, prev)
		}
		seen[id] = this
	}
	return nil
}

// videoID names the video a rendition of a request makes, for finding the
// same one asked twice: its aspect and resolution as they mean, and its
// clip.
func videoID(aspect, resolution string, c *Clip) string {
	a, _ := ParseAspect(aspect)
	r, _ := ParseResolution(resolution)
	id := string(a) + " " + string(r)
	if c != nil {
		id += " clip=" + c.String()
	}
	return id
}

// Rendition is one more video of a task (contract §6.5): what generate
// asked for, then, once the task succeeded, what was made. Rendition 0,
// the request's own aspect and resolution, is the task itself; a task's
// Renditions are 1, 2, ... in request order.
type Rendition struct {
	Index      int    // 1-based: rendition 0 is the task's own video
	Aspect     string // one of Aspects
	Resolution string // "" is the default, 720p
	FullFrame  bool   // the task's safeArea: false
	Clip       *Clip  // nil: the whole song
	// RenderKey identifies what the rendition's render depends on, as a
	// task's does, so identical renditions share one file.
	RenderKey string

	// The result, set when the task succeeded.
	VideoKey      string
	Width, Height int
	// Start and Duration place the video in the song.
	Start, Duration time.Duration
	// Captions is one of CaptionsNone, CaptionsStored, CaptionsUntimed.
	Captions string
}

// Clip is the part of a song a rendition shows.
type Clip struct {
	// Start is where it starts; with Auto the renderer picks it and Start
	// is 0.
	Start    time.Duration
	Auto     bool
	Duration time.Duration
}

// String is the clip as mvgen's CLI spells it: "auto:30" or "12.5:30".
func (c Clip) String() string {
	start := "auto"
	if !c.Auto {
		start = strconv.FormatFloat(c.Start.Seconds(), 'f', -1, 64)
	}
	return start + ":" + strconv.FormatFloat(c.Duration.Seconds(), 'f', -1, 64)
}

// clipOf is the Clip a valid request asks for.
func clipOf(c *ClipRequest) *Clip {
	if c == nil {
		return nil
	}
	out := &Clip{Auto: c.Start.Auto, Duration: seconds(c.Duration)}
	if !c.Start.Auto {
		out.Start = seconds(c.Start.Seconds)
	}
	return out
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// RenditionKey is the render key of rendition r of task t on track tr:
// RenderKey of t in r's aspect and resolution, so that a whole rendition
// shares the file of an identical plain task, and the clip when r has one.
func RenditionKey(tr *Track, t *Task, r *Rendition) string {
	one := *t
	one.Aspect, one.Resolution, one.FullFrame = r.Aspect, r.Resolution, r.FullFrame
	parts := renderKeyParts(tr, &one)
	if r.Clip != nil {
		parts = append(parts, "clip="+r.Clip.String())
	}
	return hashParts(parts)
}

// SetRenderKeys sets the render key of t, made for track tr, and of each
// of its renditions, from what they depend on now.
func (t *Task) SetRenderKeys(tr *Track) {
	t.RenderKey = RenderKey(tr, t)
	for i := range t.Renditions {
		t.Renditions[i].RenderKey = RenditionKey(tr, t, &t.Renditions[i])
	}
}

// Units is how many units of its key's cap on unfinished tasks a task
// counts: one for each of its videos.
func (t *Task) Units() int { return 1 + len(t.Renditions) }

var reflectFloat = reflect.TypeFor[float64]()

func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func jsonName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "ptr", "struct":
		return "object"
	}
	return kind
}
