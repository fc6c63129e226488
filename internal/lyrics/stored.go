package lyrics

import (
	"encoding/json"
	"fmt"
)

// Formats of lyrics text as mvgen keeps it with a track.
const (
	// FormatLRC is LRC text, as uploaded (see ParseLRC).
	FormatLRC = "lrc"
	// FormatTimestamped is a get-timestamped-lyrics answer reduced to its
	// words: {"code":200,"msg":"success","data":{"alignedWords":[…]}}
	// (see ParseTimestamped and Timestamped).
	FormatTimestamped = "timestamped"
)

// Parse reads lyrics text written in format (FormatLRC or
// FormatTimestamped). An unknown format is an error.
func Parse(format, text string) (Lyrics, error) {
	switch format {
	case FormatLRC:
		return ParseLRC([]byte(text))
	case FormatTimestamped:
		return ParseTimestamped([]byte(text))
	}
	return Lyrics{}, fmt.Errorf("lyrics: unknown format %q", format)
}

// Timestamped checks an upstream's get-timestamped-lyrics answer and
// returns the part worth keeping, in FormatTimestamped: the envelope with
// data.alignedWords only (the answer's waveformData and the rest are
// dropped), and its lyrics. An answer ParseTimestamped refuses is its
// *Error.
func Timestamped(body []byte) (kept string, l Lyrics, err error) {
	if l, err = ParseTimestamped(body); err != nil {
		return "", Lyrics{}, err
	}
	var env struct {
		Data struct {
			AlignedWords json.RawMessage `json:"alignedWords"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return "", Lyrics{}, &Error{Msg: fmt.Sprintf("reading get-timestamped-lyrics answer: %v", err)}
	}
	words := env.Data.AlignedWords
	if len(words) == 0 || string(words) == "null" {
		words = json.RawMessage("[]")
	}
	b, err := json.Marshal(map[string]any{"code": 200, "msg": "success",
		"data": map[string]json.RawMessage{"alignedWords": words}})
	if err != nil {
		return "", Lyrics{}, fmt.Errorf("lyrics: %w", err)
	}
	return string(b), l, nil
}
