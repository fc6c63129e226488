package lyrics

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AlignedWord is one entry of alignedWords in the answer of an upstream's
// POST /api/v1/generate/get-timestamped-lyrics: a word (which may carry a
// section marker such as "[Verse]" and line breaks), its start and end in
// seconds, whether the alignment succeeded and its confidence. The
// documented example (testdata/get-timestamped-lyrics.json) spells the
// times start_s and end_s and the confidence p_align; startS, endS and
// palign are read too.
type AlignedWord struct {
	Word     string
	Success  bool
	StartS   float64
	EndS     float64
	PAlign   float64
	hasStart bool
	hasEnd   bool
}

// UnmarshalJSON reads either spelling of the fields.
func (w *AlignedWord) UnmarshalJSON(b []byte) error {
	var raw struct {
		Word    string   `json:"word"`
		Success *bool    `json:"success"`
		StartS  *float64 `json:"startS"`
		Start_S *float64 `json:"start_s"`
		EndS    *float64 `json:"endS"`
		End_S   *float64 `json:"end_s"`
		PAlign  *float64 `json:"palign"`
		P_Align *float64 `json:"p_align"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*w = AlignedWord{Word: raw.Word}
	pick := func(a, b *float64) (float64, bool) {
		if a != nil {
			return *a, true
		}
		if b != nil {
			return *b, true
		}
		return 0, false
	}
	w.StartS, w.hasStart = pick(raw.StartS, raw.Start_S)
	w.EndS, w.hasEnd = pick(raw.EndS, raw.End_S)
	w.PAlign, _ = pick(raw.PAlign, raw.P_Align)
	w.Success = raw.Success != nil && *raw.Success
	return nil
}

// ParseTimestamped reads the body of an upstream's get-timestamped-lyrics
// answer ({"code": 200, "data": {"alignedWords": […]}}) and returns its
// lyrics (see FromAligned). A body that is not that JSON, or whose code is
// not 200, is an *Error; an answer without words is empty Lyrics.
func ParseTimestamped(body []byte) (Lyrics, error) {
	if len(body) > MaxBytes*4 {
		return Lyrics{}, &Error{Msg: fmt.Sprintf("answer of %d bytes; the limit is %d", len(body), MaxBytes*4)}
	}
	var env struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data *struct {
			AlignedWords []AlignedWord `json:"alignedWords"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Lyrics{}, &Error{Msg: fmt.Sprintf("reading get-timestamped-lyrics answer: %v", err)}
	}
	if env.Code != 200 {
		return Lyrics{}, &Error{Msg: fmt.Sprintf("get-timestamped-lyrics answered code %d: %q", env.Code, env.Msg)}
	}
	if env.Data == nil {
		return Lyrics{}, nil
	}
	return FromAligned(env.Data.AlignedWords)
}

// sectionMarker matches a section marker such as "[Verse]" or "[Chorus 2]".
var sectionMarker = regexp.MustCompile(`\[[^\]\n]*\]`)

// FromAligned turns aligned words into lines: a line break inside a word
// (as after a section marker: "[Verse]\nWaggin'") ends the line before
// it, and section markers are dropped. Words are joined with spaces,
// except between two characters of scripts written without them (Han,
// Hiragana, Katakana, Thai). A word with an unusable time (missing,
// negative, not finite, or ending before it starts) is an *Error naming
// its index as the line; more than MaxWords words is an *Error too.
func FromAligned(words []AlignedWord) (Lyrics, error) {
	if len(words) > MaxWords {
		return Lyrics{}, &Error{Msg: fmt.Sprintf("%d words; the limit is %d", len(words), MaxWords)}
	}
	var out Lyrics
	var cur *Line
	var text strings.Builder
	flush := func() {
		if cur != nil && len(cur.Words) > 0 {
			cur.Text = text.String()
			out.Lines = append(out.Lines, *cur)
		}
		cur = nil
		text.Reset()
	}
	for i, w := range words {
		if !w.hasStart || !w.hasEnd {
			return Lyrics{}, &Error{Line: i + 1, Msg: "word without startS or endS"}
		}
		for _, v := range []float64{w.StartS, w.EndS} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > MaxTime.Seconds() {
				return Lyrics{}, &Error{Line: i + 1, Msg: fmt.Sprintf("word time %v is not between 0 and %s", v, MaxTime)}
			}
		}
		if w.EndS < w.StartS {
			return Lyrics{}, &Error{Line: i + 1, Msg: fmt.Sprintf("word ends (%gs) before it starts (%gs)", w.EndS, w.StartS)}
		}
		if !utf8.ValidString(w.Word) {
			return Lyrics{}, &Error{Line: i + 1, Msg: "invalid UTF-8"}
		}
		start := time.Duration(w.StartS * float64(time.Second))
		end := time.Duration(w.EndS * float64(time.Second))
		parts := strings.Split(strings.ReplaceAll(w.Word, "\r", ""), "\n")
		for j, part := range parts {
			if j > 0 {
				flush()
			}
			for _, m := range sectionMarker.FindAllString(part, -1) {
				if name := strings.TrimSpace(m[1 : len(m)-1]); name != "" {
					out.Sections = append(out.Sections, Section{Start: start, Name: name})
				}
			}
			part = collapse(sectionMarker.ReplaceAllString(part, " "))
			if part == "" {
				continue
			}
			if cur == nil {
				cur = &Line{Start: start}
			} else if cur.Words != nil && needsSpace(text.String(), part) {
				text.WriteByte(' ')
			}
			if utf8.RuneCountInString(text.String())+utf8.RuneCountInString(part) > MaxLineRunes {
				flush()
				cur = &Line{Start: start}
			}
			text.WriteString(part)
			cur.Words = append(cur.Words, Word{Start: start, End: end, Text: part})
		}
	}
	flush()
	if len(out.Lines) > MaxLines {
		return Lyrics{}, &Error{Msg: fmt.Sprintf("%d lines; the limit is %d", len(out.Lines), MaxLines)}
	}
	slices.SortStableFunc(out.Lines, func(a, b Line) int { return int(a.Start - b.Start) })
	slices.SortStableFunc(out.Sections, func(a, b Section) int { return int(a.Start - b.Start) })
	out.Lines = finish(out.Lines)
	return out, nil
}

// needsSpace reports whether a space goes between text and the next word:
// not between two characters of scripts written without spaces.
func needsSpace(text, next string) bool {
	last, _ := utf8.DecodeLastRuneInString(text)
	first, _ := utf8.DecodeRuneInString(next)
	return !(unspaced(last) && unspaced(first))
}

func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai) ||
		r >= 0x3000 && r <= 0x303f || r >= 0xff01 && r <= 0xff60
}
