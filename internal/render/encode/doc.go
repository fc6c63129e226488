// Package encode is the renderer's last stage: it draws the frames (with
// the theme, through Frames), encodes them to H.264 and muxes them with
// the source's audio into an MP4.
//
// An [Encoder] runs one encoder; [Run] runs one a core on different GOPs
// (5 s each, starting with an IDR picture and referencing nothing before
// it), assembles the GOPs in order as they are done, and pipes them to an
// ffmpeg that muxes them with the audio (copied when MP4 takes its codec,
// else AAC: see [AudioFor]) into the MP4, with +faststart. Each encoder's
// goroutine takes the next GOP nobody has taken and draws its frames one
// by one into the encoder.
//
// There are two encoders:
//
//   - [X264], libx264 in this process (package x264, cgo), told which
//     macroblocks are the same as in the frame before so that it skips
//     them; what builds with cgo and libx264 use (see [InProcess]);
//   - [FFmpeg], one ffmpeg process an encoder, fed through a pipe (on
//     Linux with vmsplice, without a copy), whose H.264 output is cut at
//     the SPS that starts every GOP; what builds without libx264
//     (CGO_ENABLED=0, or the tag nox264) use.
//
// Both encode with the same settings (ultrafast, constant QP 14, CAVLC, one
// thread), chosen by measurement: the render package's doc.go has the
// figures.
package encode
