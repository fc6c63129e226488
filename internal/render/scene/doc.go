// Package scene is what a frame shows: the [Theme] interface that every
// look implements, the [Spec] a theme is given, the video's [Size], and
// the parts themes share: the [Palette] picked from a track's title and
// cover, [Lyrics], synced lyrics drawn in time with the music, and [Mark],
// the watermark with the brand's logo.
//
// A theme draws the still layers once (the background, the cover, the
// texts: what does not move) and then each frame over them, from the
// audio analysis's levels; the renderer hands its frames to the encoders.
// Frames are drawn incrementally: a frame buffer holds an earlier frame
// and the theme updates it where it changes, and it marks every 16×16
// macroblock it writes (see yuv.Frame.Touch), which lets the in-process
// encoder skip the rest. A theme that forgets a mark freezes part of the
// picture: scenetest.CheckMarks catches it.
//
// The themes are drawn by package bars (internal/render/scene/bars): the
// bars theme, the default, and the wave, lyric and radial themes, looks
// on the same engine that differ in their layouts, in what moves with the
// music and in the cover's shape.
package scene
