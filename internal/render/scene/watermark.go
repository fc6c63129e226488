package scene

import (
	"image"
	stddraw "image/draw"

	"golang.org/x/image/draw"

	"github.com/mvgen/mvgen/internal/render/text"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// Watermark alphas, out of 256: the domain white@0.8 on a box of
// black@0.45 (the static step's drawtext colours); the logo at the
// domain's opacity.
const (
	MarkAlpha    = 205
	MarkBoxAlpha = 115
)

// Mark is the watermark every theme draws at the bottom of its frame
// (contract §8, §6.6): the brand's logo, then the domain, on one dark
// translucent box, centred in a column. A theme lays it out (the column,
// the size, the baseline) and draws it into its still pictures with Draw.
type Mark struct {
	// Text is the domain, cleaned and cut (see text.Clean); "" for none.
	Text string
	// Size is the font size, shrunk down to MinSize (then the text is
	// cut) to fit the column beside the logo.
	Size, MinSize int
	// Base is the text's baseline.
	Base int
	// X and W are the column the box's content is centred in; the box's
	// padding, Pad, lies outside it.
	X, W, Pad int
	// Font is the text's font file ("" lets the typesetter choose); a
	// script it lacks gets Noto's face for that script.
	Font string
	// Logo is the brand's logo, drawn left of the text, as tall as the
	// text's line and at most a third of the column wide; nil for none.
	Logo image.Image
}

// Draw draws m into each of fs (nil ones are skipped) and returns the
// box it drew, empty when m has neither text nor logo or does not fit the
// frame. It leaves Dirty as it was: the watermark is part of a still
// picture.
func (m Mark) Draw(fs ...*yuv.Frame) yuv.Rect {
	var mask *text.Mask
	size := m.Size
	lineH := text.MaskHeight(size, 1)
	logo := m.scaledLogo(lineH)
	gap := 0
	if logo != nil && m.Text != "" {
		gap = max(size/3, 2) &^ 1
	}
	var logoW int
	if logo != nil {
		logoW = logo.Bounds().Dx()
	}
	if m.Text != "" {
		ts := text.NewTypesetter(m.Font, "Regular")
		rs := []rune(m.Text)
		w := m.W - logoW - gap
		laid, sz := ts.Layout(rs, m.Size, max(1, min(m.MinSize, m.Size)), w, 1)
		if len(laid) == 0 {
			return yuv.Rect{}
		}
		size = sz
		mask = ts.Render(rs, laid, size, w, false, nil, 0).Crop()
		lineH = mask.H
	} else if logo == nil {
		return yuv.Rect{}
	}
	var textW int
	if mask != nil {
		textW = mask.W
	}
	total := logoW + gap + textW
	x := (m.X + (m.W-total)/2) &^ 1
	y := max(0, m.Base-text.Ascent(size)) &^ 1
	pad := m.Pad &^ 1
	box := yuv.Rect{X: max(0, x-pad), Y: max(0, y-pad/2), W: total + 2*pad, H: lineH + pad}
	for _, f := range fs {
		if f == nil || box.X+box.W > f.W || box.Y+box.H > f.H {
			continue
		}
		n := len(f.Dirty)
		f.FillRect(box, yuv.Black, MarkBoxAlpha)
		if logo != nil {
			f.DrawImage(x, (y+(lineH-logo.Bounds().Dy())/2)&^1, logo, MarkAlpha)
		}
		if mask != nil {
			f.BlendMask(x+logoW+gap, y, &mask.Mask, yuv.Rect{W: mask.W, H: mask.H}, yuv.White, MarkAlpha)
		}
		f.Dirty = f.Dirty[:n]
	}
	return box
}

// scaledLogo returns the logo scaled to h pixels high (even), or narrower
// when that would be wider than a third of the column; nil without a
// logo.
func (m Mark) scaledLogo(h int) *image.NRGBA {
	if m.Logo == nil {
		return nil
	}
	b := m.Logo.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil
	}
	h &^= 1
	w := (b.Dx()*h/b.Dy() + 1) &^ 1
	if limit := (m.W / 3) &^ 1; w > limit {
		w, h = limit, (b.Dy()*limit/b.Dx()+1)&^1
	}
	if w < 2 || h < 2 {
		return nil
	}
	scaled := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(scaled, scaled.Bounds(), m.Logo, b, draw.Src, nil)
	out := image.NewNRGBA(scaled.Bounds())
	stddraw.Draw(out, out.Bounds(), scaled, image.Point{}, stddraw.Src)
	return out
}
