package bars

import (
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// look is one of the themes the engine draws: its layouts and, through
// them (layout.Music, layout.Round), what moves with the music and the
// cover's shape. Everything else is shared: the static step (background,
// cover, title, author and intro card, watermark, progress track, the
// times' glyphs), the pulse's glow, the progress line and times, and the
// lyrics.
type look int

const (
	lookBars   look = iota // a row of bars (layoutFor)
	lookWave               // a mirrored waveform ribbon (wave.go)
	lookLyric              // lyrics first (lyriclook.go)
	lookRadial             // a ring of bars around a round cover (radial.go)
)

// looks lists the looks, and lookNames names them as mvgen.Themes does.
var (
	looks     = []look{lookBars, lookWave, lookLyric, lookRadial}
	lookNames = map[look]string{lookBars: "bars", lookWave: "wave", lookLyric: "lyric", lookRadial: "radial"}
)

// music is what a layout's Bars rect holds.
type music int

const (
	musicBars   music = iota // one bar per band, growing up from the rect's foot
	musicWave                // a ribbon about the rect's middle row (see drawWave)
	musicRadial              // a ring of bars around the cover, the rect its bounding square (see drawRing)
)

// NewWave returns the wave theme for spec: the bars look's layouts with a
// smooth ribbon, mirrored about a centre line, where the bars were (see
// wave.go).
func NewWave(spec scene.Spec) *Theme { return newLook(lookWave, spec) }

// NewLyric returns the lyric theme for spec: large centred lyrics, a
// small cover and the title in a corner, and a thin line of bars (see
// lyriclook.go).
func NewLyric(spec scene.Spec) *Theme { return newLook(lookLyric, spec) }

// NewRadial returns the radial theme for spec: a round cover ringed by
// bars radiating from it, pulsing on the beat, with a ring of ticks
// turning slowly around them (see radial.go).
func NewRadial(spec scene.Spec) *Theme { return newLook(lookRadial, spec) }

func newLook(k look, spec scene.Spec) *Theme {
	hold, fade := 3*spec.FPS, spec.FPS
	if spec.Clip {
		// A clip's card takes at most a quarter of it: a 5 s clip holds
		// the card for 0.8 s and dissolves it over 0.4 s; from 18 s on, it
		// is the whole song's.
		hold, fade = min(hold, spec.Frames/6), min(fade, spec.Frames/12)
	}
	return &Theme{spec: spec, l: k.layout(spec.Aspect, spec.Resolution, len(spec.Lyrics) > 0, spec.FullFrame),
		cardHold: hold, cardFade: fade}
}

// layout returns k's layout of aspect a at resolution r, with room for
// lyrics or not, and for 9:16 inside the platform-safe box (see
// scene.Frame) unless fullFrame: 720p's layout, scaled by 3/2 at 1080p
// unless it is 1080 pixels wide already (the video's size, scene.Size).
func (k look) layout(a mvgen.Aspect, r mvgen.Resolution, lyrics, fullFrame bool) layout {
	box := scene.FrameFor(a, mvgen.HD, false).Safe
	var l layout
	switch k {
	case lookWave:
		l = waveLayout(barsLayout720(a, lyrics, fullFrame, box))
	case lookLyric:
		l = lyricLook720(a, lyrics, fullFrame, box)
	case lookRadial:
		l = radialLayout720(a, lyrics, fullFrame, box)
	default:
		l = barsLayout720(a, lyrics, fullFrame, box)
	}
	if r == mvgen.FullHD && min(l.W, l.H) < 1080 {
		return l.scaled(3, 2)
	}
	return l
}

// band is the rect the layout's music moves in: the bars with their
// reflection, or the Bars rect.
func (l layout) band() yuv.Rect {
	if l.Music == musicBars {
		return yuv.Rect{X: l.Bars.X, Y: l.Bars.Y, W: l.Bars.W, H: l.Bars.H + l.Reflect}
	}
	return l.Bars
}
