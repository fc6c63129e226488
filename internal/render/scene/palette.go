package scene

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/mvgen/mvgen/internal/render/yuv"
)

// Palette is the colours of one render picked from its text: the
// background gradient and the placeholder art used without a cover, and
// the hue of the accent drawn when the cover has none.
type Palette struct {
	Hue          float64 // degrees
	Back0, Back1 string  // ffmpeg colours of the background gradient, "0xRRGGBB"
	Art0, Art1   string  // and of the placeholder art
}

// HueOf picks a hue from a track's title and author (as given), so that
// one track always gets the same colours.
func HueOf(title, author string) float64 {
	h := fnv.New32a()
	h.Write([]byte(title + "\x00" + author))
	return float64(h.Sum32() % 360)
}

// PaletteFor returns the colours for hue (in degrees).
func PaletteFor(hue float64) Palette {
	return Palette{
		Hue:   hue,
		Back0: hexColor(hsl(hue, 0.45, 0.22)),
		Back1: hexColor(hsl(hue+40, 0.50, 0.10)),
		Art0:  hexColor(hsl(hue-20, 0.60, 0.52)),
		Art1:  hexColor(hsl(hue+30, 0.55, 0.30)),
	}
}

// HueOfColor is the hue of c in degrees (0 for a grey).
func HueOfColor(c [3]uint8) float64 {
	h, _, _ := hsv(c[0], c[1], c[2])
	return h
}

// Accent is the accent colour (RGB) for hue: the bars and the pulse are
// drawn in it.
func Accent(hue float64) [3]uint8 { return hsl(hue, 0.80, 0.64) }

// CoverHue finds the most colourful hue of a small RGB thumbnail of the
// cover (rgb24 pixels). ok is false for a grey cover.
func CoverHue(rgb []byte) (hue float64, ok bool) {
	best := 0.0
	for i := 0; i+2 < len(rgb); i += 3 {
		h, s, v := hsv(rgb[i], rgb[i+1], rgb[i+2])
		// Prefer saturated colours that are not too dark.
		if score := s * math.Sqrt(v); score > best {
			best, hue = score, h
		}
	}
	return hue, best >= 0.15
}

// hsl converts hue (degrees), saturation and lightness (0…1) to 8-bit RGB.
func hsl(h, s, l float64) [3]uint8 {
	h = math.Mod(math.Mod(h, 360)+360, 360)
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	return [3]uint8{yuv.Clamp8(255 * (r + m)), yuv.Clamp8(255 * (g + m)), yuv.Clamp8(255 * (b + m))}
}

// hsv converts 8-bit RGB to hue (degrees), saturation and value (0…1).
func hsv(r8, g8, b8 uint8) (h, s, v float64) {
	r, g, b := float64(r8)/255, float64(g8)/255, float64(b8)/255
	hi, lo := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	d := hi - lo
	switch {
	case d == 0:
		h = 0
	case hi == r:
		h = 60 * math.Mod((g-b)/d, 6)
	case hi == g:
		h = 60 * ((b-r)/d + 2)
	default:
		h = 60 * ((r-g)/d + 4)
	}
	if h < 0 {
		h += 360
	}
	if hi > 0 {
		s = d / hi
	}
	return h, s, hi
}

func hexColor(c [3]uint8) string { return fmt.Sprintf("0x%02x%02x%02x", c[0], c[1], c[2]) }
