// Package yuv is the renderer's picture: a [Frame] in yuv420p, limited-range
// BT.709, the layout the encoders take, and the drawing operations the
// themes compose frames with (copying and mixing rects, filling, blending
// sprites and text masks), all in integer arithmetic on the planes, with
// colours converted once ([FromRGB]).
//
// A frame made by [Frame.Clone] marks each 16×16 macroblock written to it
// ([Frame.Touch]; every operation here calls it). Two clones of one still
// picture can differ only in macroblocks either marks, which the
// in-process encoder relies on to compare only those (and to tell libx264
// that the rest did not change): code that writes the planes itself must
// mark what it writes.
package yuv
