package task

import "fmt"

// Aspect is a video's shape (an mvgen extension of generate, contract §6.3).
type Aspect string

// Aspects.
const (
	Landscape Aspect = "16:9" // 1280×720; the default
	Square    Aspect = "1:1"  // 1080×1080
	Portrait  Aspect = "9:16" // 720×1280
)

// ParseAspect returns the aspect s names; "" is the default, Landscape.
func ParseAspect(s string) (Aspect, error) {
	switch a := Aspect(s); a {
	case "":
		return Landscape, nil
	case Landscape, Square, Portrait:
		return a, nil
	}
	return "", fmt.Errorf("aspect %q is not one of %q, %q or %q", s, Landscape, Square, Portrait)
}
