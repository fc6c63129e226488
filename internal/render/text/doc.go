// Package text is the renderer's text stage: what makes user text
// drawable, and the fonts and layout that draw it.
//
//   - [Clean] and [Truncate] make a string drawable on one line (no
//     controls, no bidi overrides, cut with "…"); [Wrap], [Width] and
//     [FitSize] lay out text that ffmpeg's drawtext draws, by an estimate
//     of its width.
//   - [DefaultFonts] finds the main font (Noto Sans CJK, which covers
//     Latin, Greek, Cyrillic, CJK and Hangul); [LineFont] picks Noto's face
//     for a line in a script it lacks (Arabic, Hebrew, Thai, Indic and
//     others), and [Covers] tells a line no one font has whole.
//   - A [Typesetter] lays out and rasterises text in Go (the lyrics, and
//     lines no one font has whole): go-text/typesetting splits each line
//     into runs by script, bidi direction and font (Noto Sans, then the
//     main font, then Noto's face for the run's script), shapes them with
//     its HarfBuzz port (Arabic joined, Indic conjuncts formed), orders
//     them by the bidi algorithm, and x/image/vector rasterises the
//     outlines into a coverage [Mask] that a yuv.Frame blends. Bidi
//     controls (U+202A–U+202E, U+2066–U+2069, marks) are dropped from all
//     drawn text.
package text
