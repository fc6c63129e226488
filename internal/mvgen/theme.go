package mvgen

import (
	"fmt"
	"strings"
)

// Theme is a video's look (an mvgen extension of generate, contract §6.6).
type Theme string

// The themes (contract §6.6 describes each).
const (
	// Bars is the default theme, and the first look: a row of bars under
	// the cover, the title and the author.
	Bars Theme = "bars"
	// Wave is a smooth waveform ribbon, mirrored about a centre line,
	// where the bars are.
	Wave Theme = "wave"
	// Lyric puts the lyrics first: large and centred, with the cover
	// small in a corner and a thin line of bars.
	Lyric Theme = "lyric"
	// Radial is a round cover ringed by bars radiating from it.
	Radial Theme = "radial"
)

// Themes lists the themes the renderer draws, the default first.
var Themes = []Theme{Bars, Wave, Lyric, Radial}

// ParseTheme returns the theme s names; "" is the default, Bars.
func ParseTheme(s string) (Theme, error) {
	if s == "" {
		return Bars, nil
	}
	for _, t := range Themes {
		if Theme(s) == t {
			return t, nil
		}
	}
	names := make([]string, len(Themes))
	for i, t := range Themes {
		names[i] = fmt.Sprintf("%q", t)
	}
	return "", fmt.Errorf("theme %q is not one of %s", s, strings.Join(names, ", "))
}
