package render

import (
	"fmt"
	"regexp"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/render/encode"
)

// Clips (contract §6.5).
const (
	// MinClip and MaxClip bound a clip's asked-for length.
	MinClip, MaxClip = 5 * time.Second, 90 * time.Second
	// ClipFade is how long a clip's picture and sound fade in from black
	// and silence, and out to them.
	ClipFade = 500 * time.Millisecond
	// analysisLead is how much of the song before a clip its analysis
	// reads first, so that the bars stand at the clip's start as they do
	// there in the whole song (their running levels span three seconds).
	analysisLead = 3 * time.Second
)

// chorusName matches the section names that mark a chorus: Chorus, Hook,
// Refrain or Drop, in any case, numbered or not ("Chorus 2", "Hook #1",
// "Drop x2").
var chorusName = regexp.MustCompile(`(?i)^\s*(chorus|hook|refrain|drop)\s*(#?\d+|x\d+)?\s*$`)

// FirstChorus returns the start of the first section of sections named as
// a chorus (see chorusName); ok is false when there is none.
func FirstChorus(sections []lyrics.Section) (start time.Duration, ok bool) {
	for _, s := range sections {
		if chorusName.MatchString(s.Name) {
			return s.Start, true
		}
	}
	return 0, false
}

// clipSpan resolves a clip of a song of length song, its start already
// picked: the part from start for c.Duration, cut to the song's end; a
// clip at least as long as the song is the whole song. A length outside
// MinClip…MaxClip, or a start outside the song, is an *InputError.
func clipSpan(c Clip, start, song time.Duration) (time.Duration, time.Duration, error) {
	switch {
	case c.Duration < MinClip || c.Duration > MaxClip:
		return 0, 0, &InputError{Msg: fmt.Sprintf("clip duration %v is not between %v and %v", c.Duration, MinClip, MaxClip)}
	case start < 0:
		return 0, 0, &InputError{Msg: fmt.Sprintf("clip start %v is negative", start)}
	case c.Duration >= song:
		return 0, song, nil
	case start >= song:
		return 0, 0, &InputError{Msg: fmt.Sprintf("clip start %v is past the song's end (%v)", start, song)}
	}
	return start, min(c.Duration, song-start), nil
}

// clipTo makes j the clip of its song from start for length: its frames,
// its lyrics and sections timed from the clip's start (lines outside it
// left out, a line across its start starting at 0), and its audio cut,
// faded and so encoded to AAC.
func (j *job) clipTo(start, length time.Duration) {
	j.clip, j.start, j.length = true, start, length
	j.frames = framesOf(length, j.fps)
	j.lyrics = lyrics.Lyrics{Lines: j.lyrics}.Window(start, length)
	var sections []lyrics.Section
	for i, s := range j.sections {
		switch {
		case s.Start >= start+length:
			continue
		case s.Start >= start:
			sections = append(sections, lyrics.Section{Start: s.Start - start, Name: s.Name})
		case i+1 == len(j.sections) || j.sections[i+1].Start > start:
			// The section the clip starts in.
			sections = append(sections, lyrics.Section{Start: 0, Name: s.Name})
		}
	}
	j.sections = sections
	j.copyAudio, j.audioRate = false, encode.AACRate(j.info)
}
