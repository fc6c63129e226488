package mvgen

import (
	"fmt"
	"strconv"
)

// Color is an RGB colour, 8 bits a channel.
type Color [3]uint8

// ParseColor reads a colour written "#rrggbb" (hexadecimal digits in
// either case), the form of generate's accentColor (contract §6.6).
func ParseColor(s string) (Color, error) {
	if len(s) != 7 || s[0] != '#' {
		return Color{}, fmt.Errorf("%q is not a colour written #rrggbb", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return Color{}, fmt.Errorf("%q is not a colour written #rrggbb", s)
	}
	return Color{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// String writes c as "#rrggbb".
func (c Color) String() string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }
