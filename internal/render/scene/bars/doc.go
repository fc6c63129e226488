// Package bars is the engine every theme draws with, and the bars theme,
// mvgen's first look and the default (New). The other themes are looks on
// the same engine (see looks.go): NewWave (wave.go), NewLyric
// (lyriclook.go) and NewRadial (radial.go). A look is its layouts (where
// the cover, the texts, the lyrics, the progress line and the watermark
// go, in each aspect), what moves with the music in the layout's Bars
// rect (the bars, the wave's ribbon or the radial look's ring, layout.Music)
// and the cover's shape (layout.Round); the static step, the intro card,
// the pulse's glow, the times, the watermark and the lyrics are the
// engine's, drawn the same way for every look, so what is added to one
// (a logo in the watermark's box, say) is in all of them. (The package
// keeps its name while other work on the static step is in flight; a
// rename to scene/look would name it better.)
//
// The bars look is described below. Each aspect has its own layout (see layoutFor), at 720p or 1080p (the
// 720p layout scaled by 3/2; 1:1 is 1080×1080 at both): 16:9 at 1280×720
// puts the cover on the left and the title, author, progress line and
// times on the right, over a full-width row of bars; 1:1 at 1080×1080 and
// 9:16 at 720×1280 stack cover, title, author, bars, progress line and
// times in one centred column. Every frame has:
//
//   - a background made from the cover, shrunk, blurred, enlarged and
//     dimmed, with the bottom half shaded for the bars; without a cover, a
//     gradient of two colours picked from the title's hash, and a gradient
//     square with a note in the cover's place;
//   - the cover art with rounded corners and a soft shadow;
//   - the title in bold (shrunk to fit, wrapped onto up to three lines), and
//     under it the author: large for the first three seconds (the intro
//     card), then dissolving over one second into a smaller line that
//     stays;
//   - bars, one per band of the analysis, in an accent colour taken from
//     the cover's most colourful pixel (or the title's hue), lighter
//     towards the top, with a faint reflection;
//   - a glow around the cover that pulses on the beat;
//   - a progress line with the elapsed and total times;
//   - the domain as a watermark at the bottom centre, on a dark translucent
//     box so that it reads on any background, after the key's brand logo
//     when there is one (scene.Mark);
//   - with lyrics, the line being sung and the next one (scene.Lyrics), in
//     an area the layout keeps for them (see lyricLayout).
//
// The still layers are drawn by one ffmpeg run (see still.go), with Noto
// Sans CJK (regular and bold), which covers Latin with accents, Greek,
// Cyrillic, CJK and Hangul; a line it cannot draw whole (Arabic, Hebrew,
// Thai, Indic and other scripts) is drawn with Noto's face for its script
// (text.LineFont), and a line no one font can draw whole (Arabic with
// Latin, say) is drawn in Go like the lyrics (a title then whole, wrapped
// in bidi order: see golines.go). It costs about 0.4 s once; the decoder
// and the analysis run meanwhile. (Starting the encoders and the muxer
// meanwhile too saved 0.07 s and added 60–90 MB to the peak memory, the
// static step's 136 MB being resident with them: not kept.)
//
// Each frame is drawn in Go, in yuv420p, over the still picture, in about
// 0.1 ms: only the rects drawn into last time are restored; the bars,
// which are opaque, are copied from a picture of all bars at full height,
// and only the rows that changed are written; the glow is pasted from a
// cache of its pixels at 64 levels; the card dissolves by mixing the two
// still pictures in its band; the times are blended from a strip of
// glyphs the static step drew. Colours are converted to YUV once; no pixel
// is converted per frame. What a frame shows of the moving parts is kept
// with it (yuv.Frame.State), and every write is marked (TestMarks, for
// every look). The other looks' moving parts are drawn the same way: the
// wave rewrites only the rows between each column's old and new edge, the
// ring only the pixels between each bar's old and new tip, from a lookup
// made once (BenchmarkDraw: about 0.15 ms a frame for the wave, 0.03 ms
// for the lyric look and 0.3 ms for the radial one at 720p, against 0.13
// ms for the bars, with levels that jump every frame).
package bars
