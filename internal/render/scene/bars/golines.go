package bars

import (
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/text"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// Alphas of the text drawn in Go over the still pictures, out of 256,
// matching the static step's drawtext colours.
const (
	authorAlpha    = 200 // white@0.78
	titleShadow    = 115 // black@0.45
	cardShadow     = 154 // black@0.6
	authorShadowGo = 102 // black@0.4
)

// drawGoLines draws the text lines the static step left out (see
// textLine.Go) into the still pictures base and card (nil without an
// author), as the static step would have: the title in bold on both (see
// drawGoTitle), the author small on base and large on card, and the
// watermark (the domain, after the logo when there is one) on both (see
// mark).
func drawGoLines(p plan, base, card *yuv.Frame) {
	var bold, regular *text.Typesetter
	draw := func(f *yuv.Frame, t textLine, isBold bool, gain, shadow int) {
		if f == nil || !t.Go || t.File == "" {
			return
		}
		ts := regular
		if isBold {
			if bold == nil {
				bold = text.NewTypesetter(orDefault(p.BoldFont, p.Font), "Bold")
			}
			ts = bold
		} else if ts == nil {
			regular = text.NewTypesetter(p.Font, "Regular")
			ts = regular
		}
		l := p.Layout
		x, w, centre := l.TextX, l.TextW, l.CenterText
		rs := []rune(t.Text)
		laid, size := ts.Layout(rs, t.Size, t.Size*3/5, w, 1)
		if len(laid) == 0 {
			return
		}
		m := ts.Render(rs, laid, size, w, centre, nil, 0).Crop()
		mx, my := (x+m.X)&^1, max(0, t.Base-text.Ascent(size))&^1
		if my+m.H+4 > f.H || mx+m.W > f.W {
			return
		}
		all := yuv.Rect{W: m.W, H: m.H}
		if shadow > 0 {
			f.BlendMask(mx, my+2, &m.Mask, all, yuv.Black, shadow)
		}
		f.BlendMask(mx, my, &m.Mask, all, yuv.White, gain)
	}
	if len(p.Title) > 0 && p.Title[0].Go {
		drawGoTitle(p, orDefault(p.BoldFont, p.Font), base, card)
	}
	if (p.Domain.Go && p.Domain.File != "") || p.Logo != nil {
		p.mark().Draw(base, card)
	}
	draw(base, p.Author, false, authorAlpha, authorShadowGo)
	draw(card, p.Card, true, 256, cardShadow)
	for _, f := range []*yuv.Frame{base, card} {
		if f != nil {
			f.Dirty = f.Dirty[:0]
		}
	}
}

// drawGoTitle draws the whole title in Go into base and card, wrapped onto
// the lines the static step would have used (shrinking to the layout's
// smallest title size, then cut), its first baseline where the still
// step's would be.
func drawGoTitle(p plan, font string, base, card *yuv.Frame) {
	l := p.Layout
	ts := text.NewTypesetter(font, "Bold")
	rs := []rune(p.TitleText)
	size := p.Title[0].Size
	laid, size := ts.Layout(rs, size, min(size, l.TitleMin), l.TextW, len(p.Title))
	if len(laid) == 0 {
		return
	}
	m := ts.Render(rs, laid, size, l.TextW, l.CenterText, nil, 0).Crop()
	x, y := (l.TextX+m.X)&^1, max(0, p.Title[0].Base-text.Ascent(size))&^1
	if y+m.H+2 > l.H || x+m.W > l.W {
		return
	}
	all := yuv.Rect{W: m.W, H: m.H}
	for _, f := range []*yuv.Frame{base, card} {
		if f != nil {
			f.BlendMask(x, y+2, &m.Mask, all, yuv.Black, titleShadow)
			f.BlendMask(x, y, &m.Mask, all, yuv.White, 256)
		}
	}
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// mark is the watermark as scene.Mark draws it: the domain and the logo
// on one box, centred in the layout's watermark column. The static step
// draws a plain domain itself (drawtext, with its box); a logo, or a
// domain no one font can draw, makes the whole watermark Go's, so that
// the box holds both.
func (p plan) mark() scene.Mark {
	l := p.Layout
	x, w := l.markColumn()
	size := p.Domain.Size
	if size == 0 {
		size = l.MarkSize
	}
	font, _ := p.fonts(p.Domain)
	return scene.Mark{Text: p.Domain.Text, Size: size, MinSize: size * 3 / 5, Base: l.MarkBase,
		X: x, W: w, Pad: l.MarkPad, Font: font, Logo: p.Logo}
}
