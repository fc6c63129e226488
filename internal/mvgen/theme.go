package mvgen

import (
	"fmt"
	"strings"
)

// Theme is a video's look (an mvgen extension of generate, contract §6.6).
type Theme string

// Bars is the default theme, and the first look: a row of bars under the
// cover, the title and the author.
const Bars Theme = "bars"

// Themes lists the themes the renderer draws, the default first.
var Themes = []Theme{Bars}

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
