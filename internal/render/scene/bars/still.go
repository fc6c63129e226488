package bars

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/text"
)

// The static step: one ffmpeg run draws everything that does not move (the
// background, the cover, the title, the watermark, the progress line's
// track) with its filters, and writes raw pictures to the work directory:
// the still picture, the same with the intro card, a strip of the glyphs
// 0–9 and ':' for the times, and a 16×16 thumbnail of the cover for the
// accent colour. User text never enters the filtergraph: each string is
// written to its own file and drawn with drawtext's textfile option and
// expansion=none, so quotes, colons, backslashes, %{…} sequences and
// newlines are drawn literally; the filtergraph is handed to ffmpeg as a
// script file, and every path inside it is escaped for ffmpeg's two
// levels of quoting.

// The files the static step writes into the work directory.
const (
	baseFile   = "base.yuv"    // the still picture: background, art, title, author, watermark, progress track
	cardFile   = "card.yuv"    // the same with the author on the intro card
	digitsFile = "digits.gray" // the glyphs 0–9 and ':' for the times
	thumbFile  = "thumb.rgb"   // a 16×16 thumbnail of the cover, for the accent colour
	scriptFile = "static.txt"  // the filtergraph script
	thumbSize  = 16
)

// The design's fixed proportions.
const (
	artRadiusDiv  = 24  // the art's corner radius is its side over this
	backScale     = 8   // the cover is blurred at 1/backScale of the frame size
	backBlur      = 5   // gblur sigma at that size
	backDim       = 0.4 // the blurred cover's brightness
	shadeFraction = 2   // the bottom 1/shadeFraction of the frame is shaded for the bars
	glyphs        = "0123456789:"
)

// artRadius is the radius of the cover's corners: its side over
// artRadiusDiv, or half its side for a round cover.
func (l layout) artRadius() int {
	if l.Round {
		return l.Art.W / 2
	}
	return l.Art.W / artRadiusDiv
}

// plan is what the static step draws, resolved: the layout, the cover's
// input, the text files and their sizes. Still builds it; pure functions
// turn it into ffmpeg's argument list and filtergraph, which the golden
// tests pin down.
type plan struct {
	Layout    layout
	Cover     []string // ffmpeg's options reading the cover; nil for none
	Work      string   // the private working directory
	Font      string   // font file, "" to let fontconfig choose
	BoldFont  string   // font file for the title and the card, "" for Font
	Title     []textLine
	TitleText string   // the whole title, cleaned and cut, before it was wrapped into Title
	Author    textLine // under the title, once the card has gone
	Card      textLine // the author on the intro card
	Domain    textLine
	Colors    scene.Palette
	Threads   int // 0 lets ffmpeg choose
	// Logo is the brand's logo, drawn in the watermark's box before the
	// domain (see mark); nil for none.
	Logo image.Image
}

// textLine is one line of text to draw: the file holding it (empty for
// none), its font size and its baseline; the text itself; and, when the
// plan's fonts lack some of its characters, the fonts to draw it with
// instead (see lineFont).
type textLine struct {
	File           string
	Size           int
	Base           int
	Text           string
	Font, BoldFont string
	// Go is set when no one font has every character of the line (a
	// mixed-script line): it is then drawn in Go (see drawGoLines), not by
	// the static step.
	Go bool
}

// fonts returns the regular and bold fonts to draw t with.
func (p plan) fonts(t textLine) (regular, bold string) {
	regular, bold = p.Font, p.BoldFont
	if bold == "" {
		bold = regular
	}
	if t.Font != "" {
		regular, bold = t.Font, t.BoldFont
	}
	return regular, bold
}

func (p plan) path(name string) string { return filepath.Join(p.Work, name) }

// digitCell returns the size of one glyph's cell in the digits strip and the
// baseline inside it, for the layout's time size; all even.
func (l layout) digitCell() (w, h, base int) {
	w = (l.TimeSize*6/10 + 1) &^ 1
	h = (l.TimeSize + 6) &^ 1
	return w, h, (h - l.TimeSize/5) &^ 1
}

// staticGraph returns the filtergraph of the static step. Input 0 is the
// cover, when there is one. Its outputs are [base] and [card], the still
// picture without and with the intro card (yuv420p, BT.709), [digits], the
// glyph strip (gray), and with a cover [thumb] (16×16 rgb24).
//
//	cover ─┬─ 1/8 size, blur, ×1.5 bicubic, dim ─ shade ─ shadow ─ art ─ track, title, watermark ─┬─ author ─ [base]
//	       ├─ square, rounded corners ──────────────────────┘                                      └─ card ─── [card]
//	       └─ 16×16 ─ [thumb]
//	black ─ 0 1 2 … 9 : ─ [digits]
func staticGraph(p plan) string {
	l := p.Layout
	var g strings.Builder
	if p.Cover != nil {
		fmt.Fprintf(&g, "[0:v]setsar=1,format=rgb24,split=3[backsrc][artsrc][thumbsrc];\n")
		fmt.Fprintf(&g, "[thumbsrc]scale=%d:%d:flags=area,format=rgb24[thumb];\n", thumbSize, thumbSize)
		sw, sh := l.W/backScale, l.H/backScale
		fmt.Fprintf(&g, "[backsrc]scale=%d:%d:force_original_aspect_ratio=increase:flags=area,crop=%d:%d,"+
			"gblur=sigma=%d,scale=%d:%d:flags=bicubic,colorchannelmixer=rr=%g:gg=%g:bb=%g[back];\n",
			sw, sh, sw, sh, backBlur, l.W, l.H, backDim, backDim, backDim)
		fmt.Fprintf(&g, "[artsrc]scale=%d:%d:force_original_aspect_ratio=increase:flags=lanczos,crop=%d:%d,format=rgba[art0];\n",
			l.Art.W, l.Art.H, l.Art.W, l.Art.H)
	} else {
		fmt.Fprintf(&g, "gradients=s=%dx%d:c0=%s:c1=%s:x0=0:y0=0:x1=%d:y1=%d:r=1,trim=end_frame=1,format=rgb24[back];\n",
			l.W, l.H, p.Colors.Back0, p.Colors.Back1, l.W-1, l.H-1)
		fmt.Fprintf(&g, "gradients=s=%dx%d:c0=%s:c1=%s:x0=0:y0=0:x1=%d:y1=%d:r=1,trim=end_frame=1,format=rgba,%s[art0];\n",
			l.Art.W, l.Art.H, p.Colors.Art0, p.Colors.Art1, l.Art.W-1, l.Art.H-1,
			drawtext(p.Font, "text=♪", l.Art.W/2, "white@0.85", "(w-text_w)/2", "(h-text_h)/2", ""))
	}
	r := l.artRadius()
	fmt.Fprintf(&g, "color=c=black:s=%dx%d:r=1,trim=end_frame=1,format=gray,"+
		"geq=lum='255*clip(%[3]d.5-hypot(max(max(%[3]d-X-0.5,X+0.5-W+%[3]d),0),max(max(%[3]d-Y-0.5,Y+0.5-H+%[3]d),0)),0,1)'[mask];\n",
		l.Art.W, l.Art.H, r)
	fmt.Fprintf(&g, "[art0][mask]alphamerge[art];\n")
	shadow := fmt.Sprintf("color=c=black@0.6:s=%dx%d:r=1,trim=end_frame=1,format=rgba", l.Art.W, l.Art.H)
	if l.Round { // a disc's shadow
		shadow = fmt.Sprintf("color=c=black:s=%dx%d:r=1,trim=end_frame=1,format=rgba,"+
			"geq=r=0:g=0:b=0:a='153*lte(hypot(X+0.5-W/2,Y+0.5-H/2),W/2)'", l.Art.W, l.Art.H)
	}
	fmt.Fprintf(&g, "%s,pad=%d:%d:%d:%d:color=black@0,gblur=sigma=%d[shadow];\n",
		shadow, l.Art.W+2*l.Shadow, l.Art.H+2*l.Shadow, l.Shadow, l.Shadow, l.Shadow/3)
	sh := l.H / shadeFraction
	fmt.Fprintf(&g, "gradients=s=%dx%d:c0=black@0:c1=black@0.6:x0=0:y0=0:x1=0:y1=%d:r=1,trim=end_frame=1[shade];\n",
		l.W, sh, sh-1)
	fmt.Fprintf(&g, "[back][shade]overlay=0:%d[back1];\n", l.H-sh)
	fmt.Fprintf(&g, "[back1][shadow]overlay=%d:%d[back2];\n", l.Art.X-l.Shadow, l.Art.Y-l.Shadow+l.Drop)
	fmt.Fprintf(&g, "[back2][art]overlay=%d:%d,format=rgb24", l.Art.X, l.Art.Y)
	fmt.Fprintf(&g, ",drawbox=x=%d:y=%d:w=%d:h=%d:color=white@0.22:t=fill", l.Progress.X, l.Progress.Y, l.Progress.W, l.Progress.H)
	for _, t := range p.Title {
		if !t.Go {
			g.WriteString("," + p.drawLine(t, true, "white", ":shadowcolor=black@0.45:shadowx=0:shadowy=2"))
		}
	}
	if p.Domain.File != "" && !p.Domain.Go {
		font, _ := p.fonts(p.Domain)
		x := "(w-text_w)/2"
		if l.MarkW != 0 {
			mx, mw := l.markColumn()
			x = fmt.Sprintf("%d+(%d-text_w)/2", mx, mw)
		}
		g.WriteString("," + drawtext(font, "textfile="+ffmpeg.EscapeFilterValue(p.Domain.File), p.Domain.Size,
			"white@0.8", x, strconv.Itoa(p.Domain.Base)+"-ascent",
			fmt.Sprintf(":box=1:boxcolor=black@0.45:boxborderw=%d", l.MarkPad)))
	}
	g.WriteString(",split=2[base0][card0];\n")
	fmt.Fprintf(&g, "[base0]%s%s[base];\n", p.authorFilter(p.Author, false), toYUV)
	fmt.Fprintf(&g, "[card0]%s%s[card];\n", p.authorFilter(p.Card, true), toYUV)
	g.WriteString(digitsGraph(p))
	return g.String()
}

// toYUV converts the RGB picture to what the encoder gets.
const toYUV = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"

// authorFilter draws the author line t, or passes the picture through when
// there is no author.
func (p plan) authorFilter(t textLine, card bool) string {
	if t.File == "" || t.Go {
		return "null,"
	}
	if card {
		return p.drawLine(t, true, "white", ":shadowcolor=black@0.6:shadowx=0:shadowy=3") + ","
	}
	return p.drawLine(t, false, "white@0.78", ":shadowcolor=black@0.4:shadowx=0:shadowy=2") + ","
}

// drawLine draws one line of the text column.
func (p plan) drawLine(t textLine, bold bool, color, extra string) string {
	l := p.Layout
	x := strconv.Itoa(l.TextX)
	if l.CenterText {
		x = fmt.Sprintf("%d+(%d-text_w)/2", l.TextX, l.TextW)
	}
	font, boldFont := p.fonts(t)
	if bold {
		font = boldFont
	}
	return drawtext(font, "textfile="+ffmpeg.EscapeFilterValue(t.File), t.Size, color, x, strconv.Itoa(t.Base)+"-ascent", extra)
}

// digitsGraph draws the glyphs 0–9 and ':' white on black, each centred in
// its own cell, for the per-frame drawing of the elapsed time.
func digitsGraph(p plan) string {
	cw, ch, base := p.Layout.digitCell()
	var g strings.Builder
	fmt.Fprintf(&g, "color=c=black:s=%dx%d:r=1,trim=end_frame=1,format=gray", cw*len(glyphs), ch)
	for i, c := range glyphs {
		g.WriteString("," + drawtext(p.Font, "text="+ffmpeg.EscapeFilterValue(string(c)), p.Layout.TimeSize, "white",
			fmt.Sprintf("%d+(%d-text_w)/2", i*cw, cw), fmt.Sprintf("%d-ascent", base), ""))
	}
	g.WriteString("[digits]\n")
	return g.String()
}

// drawtext returns a drawtext filter drawing text (a "textfile=…" or
// "text=…" option, already escaped) literally.
func drawtext(font, text string, size int, color, x, y, extra string) string {
	var b strings.Builder
	b.WriteString("drawtext=")
	if font != "" {
		b.WriteString("fontfile=" + ffmpeg.EscapeFilterValue(font) + ":")
	}
	fmt.Fprintf(&b, "%s:expansion=none:fontsize=%d:fontcolor=%s:x=%s:y=%s%s", text, size, color, x, y, extra)
	return b.String()
}

// staticArgs returns ffmpeg's arguments for the static step: one frame of
// each of the static graph's outputs, written raw into the work directory.
func staticArgs(p plan) []string {
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"}
	args = append(args, p.Cover...) // with -max_pixels: see source.Cover.InputArgs
	args = append(args, "-filter_complex_script", p.path(scriptFile))
	if p.Threads > 0 {
		args = append(args, "-filter_complex_threads", strconv.Itoa(p.Threads))
	}
	out := func(label, pixFmt, file string) {
		args = append(args, "-map", "["+label+"]", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", pixFmt,
			"file:"+p.path(file))
	}
	out("base", "yuv420p", baseFile)
	out("card", "yuv420p", cardFile)
	out("digits", "gray", digitsFile)
	if p.Cover != nil {
		out("thumb", "rgb24", thumbFile)
	}
	return args
}

// Text limits, in runes. Longer strings are cut and end with an ellipsis.
const (
	maxTitleRunes  = 60
	maxAuthorRunes = 50
	maxDomainRunes = 50
)

// Text sizes that no layout changes.
const (
	authorMinSize = 20
	domainMinSize = 12
	markMargin    = 80 // the watermark keeps this far from the frame's sides (unless its layout sets its column)
)

// lineHeight is the distance between two title baselines at font size size.
func lineHeight(size int) int { return size * 5 / 4 }

// fitTitle picks the largest title size of the layout at which title wraps
// onto its lines without being cut, or the smallest size, cut, when none
// does; it returns the size and the lines.
func fitTitle(title string, l layout) (int, []string) {
	for size := l.TitleMax; size > l.TitleMin; size -= 2 {
		lines := text.Wrap(title, l.TextW*10/(size*6), l.TitleLines+1)
		if len(lines) <= l.TitleLines {
			return size, lines
		}
	}
	return l.TitleMin, text.Wrap(title, l.TextW*10/(l.TitleMin*6), l.TitleLines)
}

// writeTexts writes the title's lines, the author and the domain to their
// own files in the work directory and records them, with their sizes and
// baselines, in p. Strings that are empty after cleaning get no file and
// are not drawn.
func writeTexts(p *plan, title, author, domain string) error {
	l := p.Layout
	write := func(name, text string) (string, error) {
		file := p.path(name)
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			return "", fmt.Errorf("render: writing %s: %w", name, err)
		}
		return file, nil
	}
	last := l.TitleBase - l.AuthorGap // the title's last baseline; without a title, the author takes its place
	if title := text.Truncate(text.Clean(title), maxTitleRunes); title != "" {
		p.TitleText = title
		size, lines := fitTitle(title, l)
		for i, line := range lines {
			file, err := write(fmt.Sprintf("title%d.txt", i+1), line)
			if err != nil {
				return err
			}
			last = l.TitleBase + i*lineHeight(size)
			p.Title = append(p.Title, textLine{File: file, Size: size, Base: last, Text: line})
		}
	}
	author = text.Clean(author)
	if l.CutAuthor {
		author = text.TruncateWidth(author, l.TextW*10/(max(l.CardMin, authorMinSize)*6))
	}
	if author := text.Truncate(author, maxAuthorRunes); author != "" {
		file, err := write("author.txt", author)
		if err != nil {
			return err
		}
		w := text.Width(author)
		p.Author = textLine{File: file, Size: text.FitSize(w, l.TextW, authorMinSize, l.AuthorSize), Base: last + l.AuthorGap,
			Text: author}
		p.Card = textLine{File: file, Size: text.FitSize(w, l.TextW, l.CardMin, l.CardMax), Base: last + l.CardGap, Text: author}
	}
	if domain := text.Truncate(text.Clean(domain), maxDomainRunes); domain != "" {
		file, err := write("domain.txt", domain)
		if err != nil {
			return err
		}
		_, markW := l.markColumn()
		p.Domain = textLine{File: file, Size: text.FitSize(text.Width(domain), markW, domainMinSize, l.MarkSize),
			Base: l.MarkBase, Text: domain}
	}
	return nil
}

// chooseFonts sets the fonts of each of p's text lines that p's own font
// cannot draw whole (see text.LineFont), and marks the lines that no one font
// can draw whole to be drawn in Go, with a font for each run.
func chooseFonts(p *plan) {
	set := func(t *textLine) {
		if t.File == "" {
			return
		}
		t.Font, t.BoldFont = text.LineFont(t.Text, p.Font)
		font := p.Font
		if t.Font != "" {
			font = t.Font
		}
		if font != "" && !text.Covers(font, t.Text) {
			t.Go = true
		}
	}
	for i := range p.Title {
		set(&p.Title[i])
	}
	// A title drawn in Go is laid out whole, its lines broken in the
	// order the bidi algorithm gives.
	if slices.ContainsFunc(p.Title, func(t textLine) bool { return t.Go }) {
		for i := range p.Title {
			p.Title[i].Go = true
		}
	}
	set(&p.Author)
	set(&p.Card)
	set(&p.Domain)
	if p.Logo != nil && p.Domain.File != "" {
		p.Domain.Go = true // the logo and the domain share one box: see mark
	}
}
