package mvgen

import "fmt"

// Aspect is a video's shape (an mvgen extension of generate, contract §6.3).
type Aspect string

// Aspects.
const (
	Landscape Aspect = "16:9" // 1280×720; the default
	Square    Aspect = "1:1"  // 1080×1080
	Portrait  Aspect = "9:16" // 720×1280
	Feed      Aspect = "4:5"  // 1080×1350, the Instagram feed's size, at both resolutions
)

// ParseAspect returns the aspect s names; "" is the default, Landscape.
func ParseAspect(s string) (Aspect, error) {
	switch a := Aspect(s); a {
	case "":
		return Landscape, nil
	case Landscape, Square, Portrait, Feed:
		return a, nil
	}
	return "", fmt.Errorf("aspect %q is not one of %q, %q, %q or %q", s, Landscape, Square, Portrait, Feed)
}

// Resolution is a video's size class (an mvgen extension of generate,
// contract §6.3): "720p" or "1080p".
type Resolution string

// Resolutions.
const (
	HD     Resolution = "720p"  // 1280×720, 1080×1080, 720×1280, 1080×1350; the default
	FullHD Resolution = "1080p" // 1920×1080, 1080×1080, 1080×1920, 1080×1350
)

// ParseResolution returns the resolution s names; "" is the default, HD.
func ParseResolution(s string) (Resolution, error) {
	switch r := Resolution(s); r {
	case "":
		return HD, nil
	case HD, FullHD:
		return r, nil
	}
	return "", fmt.Errorf("resolution %q is not one of %q or %q", s, HD, FullHD)
}

// Size returns the width and height in pixels of a video of aspect a at
// resolution r: 1280×720, 1080×1080, 720×1280 or 1080×1350 at 720p,
// 1920×1080, 1080×1080, 1080×1920 or 1080×1350 at 1080p (720p's size
// times 3/2 unless it is 1080 pixels wide already). An unknown aspect has
// the default's size.
func (a Aspect) Size(r Resolution) (width, height int) {
	switch a {
	case Square:
		width, height = 1080, 1080
	case Portrait:
		width, height = 720, 1280
	case Feed:
		width, height = 1080, 1350
	default:
		width, height = 1280, 720
	}
	if r == FullHD && min(width, height) < 1080 {
		return width * 3 / 2, height * 3 / 2
	}
	return width, height
}
