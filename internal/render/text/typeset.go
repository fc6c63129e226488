package text

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/mvgen/mvgen/internal/render/yuv"
)

// Text drawn in Go (the lyrics, and lines no one font has whole) is laid
// out with go-text/typesetting, a pure-Go port of HarfBuzz: the text is split into runs by script,
// direction (the Unicode bidi algorithm) and font, each run is shaped in
// a font that has its glyphs (so Arabic is joined, Indic conjuncts are
// formed, and "—" or Latin inside Arabic text is drawn with Noto Sans
// instead of as boxes), the runs are ordered for display, and the glyphs'
// outlines are rasterised with golang.org/x/image/vector into a coverage
// mask, once per line of lyrics.

// parsedFonts caches parsed fonts by path for the process's lifetime (a
// *font.Font is safe for concurrent use; the faces made from it are not).
var parsedFonts struct {
	sync.Mutex
	m map[string]*font.Font // nil for a file that is not a usable font
}

// loadFont returns the font at path (the first of a collection), or nil.
func loadFont(path string) *font.Font {
	parsedFonts.Lock()
	defer parsedFonts.Unlock()
	if f, ok := parsedFonts.m[path]; ok {
		return f
	}
	if parsedFonts.m == nil {
		parsedFonts.m = map[string]*font.Font{}
	}
	parsedFonts.m[path] = nil
	file, err := os.Open(path)
	if err != nil {
		return nil
	}
	// The parser reads what it needs into memory; the file is not kept.
	defer file.Close()
	// Only the first font of a collection is parsed: parsing all ten of
	// Noto Sans CJK's would take ten times the memory.
	loaders, err := opentype.NewLoaders(file)
	if err != nil || len(loaders) == 0 {
		return nil
	}
	f, err := font.NewFont(loaders[0])
	if err != nil {
		return nil
	}
	parsedFonts.m[path] = f
	return f
}

// fontSet picks, for each character, the first font that has it, among
// the main fonts and then Noto's face for the character's script. It
// implements shaping.Fontmap. It is not safe for concurrent use.
type fontSet struct {
	main   []string     // tried first, in order
	style  string       // "Bold" or "Regular": the per-script faces' style
	faces  []*font.Face // the faces loaded so far, in the order they are tried
	loaded map[string]bool
	cache  map[rune]*font.Face
}

// newFontSet returns the fonts for text in style ("Bold" or "Regular"):
// Noto Sans, then main (Noto Sans CJK or the configured font), then
// Noto's per-script faces.
func newFontSet(main, style string) *fontSet {
	fs := &fontSet{style: style, loaded: map[string]bool{}, cache: map[rune]*font.Face{}}
	for _, dir := range fallbackDirs {
		if p := filepath.Join(dir, "NotoSans-"+style+".ttf"); fileExists(p) {
			fs.main = append(fs.main, p)
			break
		}
	}
	if main != "" {
		fs.main = append(fs.main, main)
	}
	for _, p := range fs.main {
		fs.load(p)
	}
	return fs
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// load adds the font at path to the faces tried, once.
func (fs *fontSet) load(path string) *font.Face {
	if fs.loaded[path] {
		return nil
	}
	fs.loaded[path] = true
	f := loadFont(path)
	if f == nil {
		return nil
	}
	face := font.NewFace(f)
	fs.faces = append(fs.faces, face)
	return face
}

// ResolveFace returns the face to draw r with: the first face that has
// it, loading Noto's face for r's script when none does; the first face
// (which draws a box) when no font has it.
func (fs *fontSet) ResolveFace(r rune) *font.Face {
	if f, ok := fs.cache[r]; ok {
		return f
	}
	f := fs.resolve(r)
	fs.cache[r] = f
	return f
}

func (fs *fontSet) resolve(r rune) *font.Face {
	for _, f := range fs.faces {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	if script := scriptName(r); script != "" {
		for _, dir := range fallbackDirs {
			for _, style := range []string{fs.style, "Regular"} {
				p := filepath.Join(dir, "NotoSans"+script+"-"+style+".ttf")
				if !fileExists(p) {
					continue
				}
				if f := fs.load(p); f != nil {
					if _, ok := f.NominalGlyph(r); ok {
						return f
					}
				}
			}
		}
	}
	if len(fs.faces) == 0 {
		return nil
	}
	return fs.faces[0]
}

// scriptName returns the name of r's script as Noto's file names spell it
// ("Arabic", "Hebrew", "Devanagari"), or "" for characters common to all
// scripts.
func scriptName(r rune) string {
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return strings.ReplaceAll(name, "_", "")
		}
	}
	return ""
}

// Typesetter lays out and rasterises lines of text in one style. It is
// not safe for concurrent use.
type Typesetter struct {
	fonts  *fontSet
	shaper shaping.HarfbuzzShaper
	seg    shaping.Segmenter
	wrap   shaping.LineWrapper
}

// NewTypesetter returns a typesetter for text in style ("Bold" or
// "Regular"), with Noto Sans first, then main (Noto Sans CJK or the
// configured font), then Noto's face for each character's script.
func NewTypesetter(main, style string) *Typesetter {
	return &Typesetter{fonts: newFontSet(main, style)}
}

// Mask is a laid-out text's coverage (see yuv.Mask). Words lists, per word
// asked for, the rects (in the mask) its glyphs cover.
type Mask struct {
	yuv.Mask
	X     int // where the mask starts in the area it was laid out in (see Crop)
	Words [][]yuv.Rect
}

// rtl reports whether text's first strong character is right-to-left
// (rule P2 of the bidi algorithm).
func rtl(text []rune) bool {
	for _, r := range text {
		switch {
		case unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko):
			return true
		case unicode.IsLetter(r):
			return false
		}
	}
	return false
}

// shape splits text into runs and shapes them at size pixels.
func (t *Typesetter) shape(text []rune, size int) []shaping.Output {
	dir := di.DirectionLTR
	if rtl(text) {
		dir = di.DirectionRTL
	}
	in := shaping.Input{Text: text, RunEnd: len(text), Direction: dir, Size: fixed.I(size)}
	runs := t.seg.Split(in, t.fonts)
	out := make([]shaping.Output, 0, len(runs))
	for _, r := range runs {
		if r.Face != nil {
			out = append(out, t.shaper.Shape(r))
		}
	}
	return out
}

// Layout breaks text into lines of at most maxW pixels, at the largest
// even size from maxSize down to minSize at which it takes at most
// maxLines lines; at minSize, what does not fit is cut and ends with "…".
// It returns the lines and their size; no lines when no font has any of
// the text.
func (t *Typesetter) Layout(text []rune, maxSize, minSize, maxW, maxLines int) ([]shaping.Line, int) {
	cfg := shaping.WrapConfig{Direction: di.DirectionLTR}
	if rtl(text) {
		cfg.Direction = di.DirectionRTL
	}
	for size := maxSize; ; size -= 2 {
		runs := t.shape(text, size)
		if len(runs) == 0 {
			return nil, size
		}
		if size <= minSize {
			cfg.TruncateAfterLines = maxLines
			ell := []rune("…")
			cfg = cfg.WithTruncator(&t.shaper, shaping.Input{Text: ell, RunEnd: 1, Direction: cfg.Direction,
				Face: t.fonts.ResolveFace('…'), Size: fixed.I(size)})
		}
		lines, _ := t.wrap.WrapParagraph(cfg, maxW, text, shaping.NewSliceIterator(runs))
		if len(lines) <= maxLines || size <= minSize {
			return lines[:min(len(lines), maxLines)], size
		}
	}
}

// LineHeight is the distance between two baselines of a mask's lines at
// size.
func LineHeight(size int) int { return size * 6 / 5 }

// Ascent is the room a mask leaves above its first baseline at size:
// Noto's ascent is about 1.07 em, but few glyphs reach it.
func Ascent(size int) int { return size * 19 / 20 }

// Descent is the room a mask leaves below its last baseline at size.
func Descent(size int) int { return size * 3 / 10 }

// MaskHeight is the height of the mask of n lines at size.
func MaskHeight(size, n int) int {
	return (Ascent(size) + (n-1)*LineHeight(size) + Descent(size) + 1) &^ 1
}

// Render rasterises lines (laid out at size by Layout) into a mask maxW
// wide, each line aligned left, right (right-to-left text) or centred.
// wordOf maps each rune of text to the index of its word (-1 for none);
// the mask records the rects of words words.
func (t *Typesetter) Render(text []rune, lines []shaping.Line, size, maxW int, centre bool, wordOf []int, words int) *Mask {
	lh := LineHeight(size)
	ascent, descent := Ascent(size), Descent(size)
	w := (maxW + 1) &^ 1
	h := MaskHeight(size, len(lines))
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	z := vector.NewRasterizer(w, h)
	m := &Mask{Mask: yuv.Mask{W: w, H: h}, Words: make([][]yuv.Rect, words)}
	right := rtl(text)
	for i, line := range lines {
		runs := slices.Clone(line)
		slices.SortFunc(runs, func(a, b shaping.Output) int { return int(a.VisualIndex - b.VisualIndex) })
		// The spaces at the line's logical end take no room: the wrapper
		// leaves them in, and in a right-to-left line with a left-to-right
		// run they would sit inside the line.
		lastInk := -1
		for _, r := range runs {
			for _, g := range r.Glyphs {
				if i := g.TextIndex(); i < len(text) && !unicode.IsSpace(text[i]) {
					lastInk = max(lastInk, i)
				}
			}
		}
		trailing := func(i int) bool { return i > lastInk && i < len(text) && unicode.IsSpace(text[i]) }
		var width fixed.Int26_6
		for _, r := range runs {
			for _, g := range r.Glyphs {
				if !trailing(g.TextIndex()) {
					width += g.Advance
				}
			}
		}
		x := 0.0
		switch {
		case centre:
			x = float64(maxW-width.Round()) / 2
		case right:
			x = float64(maxW - width.Round())
		}
		base := float64(ascent + i*lh)
		top, bottom := int(base)-ascent, int(base)+descent
		for _, run := range runs {
			x = t.drawRun(z, &run, x, base, trailing, func(idx int, x0, x1 float64) {
				if idx < 0 || idx >= len(wordOf) || wordOf[idx] < 0 {
					return
				}
				rs := &m.Words[wordOf[idx]]
				r := yuv.Rect{X: int(x0) &^ 1, Y: top &^ 1}
				r.W = (int(x1)+2)&^1 - r.X
				r.H = (bottom+1)&^1 - r.Y
				if n := len(*rs); n > 0 && (*rs)[n-1].Y == r.Y && (*rs)[n-1].X+(*rs)[n-1].W >= r.X && r.X+r.W >= (*rs)[n-1].X {
					last := &(*rs)[n-1]
					x0, x1 := min(last.X, r.X), max(last.X+last.W, r.X+r.W)
					last.X, last.W = x0, x1-x0
					return
				}
				*rs = append(*rs, r)
			})
		}
	}
	z.Draw(dst, dst.Bounds(), image.Opaque, image.Point{})
	m.A = dst.Pix
	m.AC = make([]uint8, w*h/4)
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			i := 2*y*w + 2*x
			m.AC[y*w/2+x] = uint8((int(m.A[i]) + int(m.A[i+1]) + int(m.A[i+w]) + int(m.A[i+w+1])) / 4)
		}
	}
	for i, rs := range m.Words {
		for j, r := range rs {
			r.X, r.Y = max(0, r.X), max(0, r.Y)
			r.W, r.H = min(r.W, w-r.X), min(r.H, h-r.Y)
			m.Words[i][j] = r
		}
	}
	return m
}

// drawRun adds the outlines of run's glyphs to z, the first at pen
// position x on baseline base, and returns the pen's position after the
// run. Glyphs of the runes skip reports are left out; span is called with
// each other glyph's rune index and horizontal extent.
func (t *Typesetter) drawRun(z *vector.Rasterizer, run *shaping.Output, x, base float64, skip func(int) bool,
	span func(idx int, x0, x1 float64)) float64 {
	scale := float64(run.Size) / 64 / float64(run.Face.Upem())
	for _, g := range run.Glyphs {
		if skip(g.TextIndex()) {
			continue
		}
		adv := float64(g.Advance) / 64
		gx := x + float64(g.XOffset)/64
		gy := base - float64(g.YOffset)/64
		if outline, ok := run.Face.GlyphData(g.GlyphID).(font.GlyphOutline); ok {
			pt := func(p opentype.SegmentPoint) (float32, float32) {
				return float32(gx + float64(p.X)*scale), float32(gy - float64(p.Y)*scale)
			}
			open := false
			for _, s := range outline.Segments {
				switch s.Op {
				case opentype.SegmentOpMoveTo:
					if open {
						z.ClosePath()
					}
					z.MoveTo(pt(s.Args[0]))
					open = true
				case opentype.SegmentOpLineTo:
					z.LineTo(pt(s.Args[0]))
				case opentype.SegmentOpQuadTo:
					x1, y1 := pt(s.Args[0])
					x2, y2 := pt(s.Args[1])
					z.QuadTo(x1, y1, x2, y2)
				case opentype.SegmentOpCubeTo:
					x1, y1 := pt(s.Args[0])
					x2, y2 := pt(s.Args[1])
					x3, y3 := pt(s.Args[2])
					z.CubeTo(x1, y1, x2, y2, x3, y3)
				}
			}
			if open {
				z.ClosePath()
			}
		}
		span(g.TextIndex(), x, x+adv)
		x += adv
	}
	return x
}

// MissingGlyphs counts the characters of text (other than spaces and
// controls) that no font of the typesetter has: they would be drawn as
// boxes.
func (t *Typesetter) MissingGlyphs(text string) int {
	n := 0
	for _, r := range text {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		f := t.fonts.ResolveFace(r)
		if f == nil {
			n++
			continue
		}
		if _, ok := f.NominalGlyph(r); !ok {
			n++
		}
	}
	return n
}

// Crop returns m narrowed to the columns its glyphs cover, the offset
// recorded in X; a 2×2 empty mask when it has no glyphs.
func (m *Mask) Crop() *Mask {
	x0, x1 := m.W, 0
	for y := range m.H {
		row := m.A[y*m.W : (y+1)*m.W]
		for x, a := range row {
			if a != 0 {
				x0, x1 = min(x0, x), max(x1, x+1)
			}
		}
	}
	if x1 <= x0 {
		return Empty(m.Words)
	}
	x0, x1 = x0&^1, min(m.W, (x1+1)&^1)
	c := &Mask{X: x0, Mask: yuv.Mask{W: x1 - x0, H: m.H, A: make([]uint8, 0, (x1-x0)*m.H), AC: make([]uint8, 0, (x1-x0)*m.H/4)}}
	for y := range m.H {
		c.A = append(c.A, m.A[y*m.W+x0:y*m.W+x1]...)
	}
	for y := range m.H / 2 {
		c.AC = append(c.AC, m.AC[y*m.W/2+x0/2:y*m.W/2+x1/2]...)
	}
	c.Words = make([][]yuv.Rect, len(m.Words))
	for i, rs := range m.Words {
		for _, r := range rs {
			r.X -= x0
			if r.X < 0 {
				r.W, r.X = r.W+r.X, 0
			}
			r.W = min(r.W, c.W-r.X)
			if r.W > 0 {
				c.Words[i] = append(c.Words[i], r)
			}
		}
	}
	return c
}

// Empty returns a 2×2 mask that covers nothing, with the words' rects
// words.
func Empty(words [][]yuv.Rect) *Mask {
	return &Mask{Mask: yuv.Mask{W: 2, H: 2, A: make([]uint8, 4), AC: make([]uint8, 1)}, Words: words}
}
