// Package render turns a track into an MP4 music video by driving ffmpeg.
//
// A [Renderer] probes the source audio with ffprobe, checks it (and the
// optional cover image) against its limits, and then runs one ffmpeg process
// that draws the picture and muxes the source's audio:
//
//   - a 1280×720, 30 fps H.264 picture over the cover art, blurred and
//     darkened to fill the frame (or a dark palette colour when there is no
//     cover), with the cover itself on the left;
//   - a frequency-bar visualiser (ffmpeg's showfreqs) that moves with the
//     music along the bottom;
//   - the title, the author (large, for the first four seconds) and the
//     domain as a faint watermark at the bottom centre;
//   - the source's own audio stream when it is AAC or MP3, else AAC at 192 kb/s;
//   - +faststart, and a duration equal to the source's within one frame.
//
// The picture's still parts (background, cover, title, watermark) are drawn
// once and repeated, so the per-frame work is the visualiser, one overlay and
// the encoder; the layout is drawn in the comment on filterGraph (graph.go).
//
// User text never enters the filtergraph: each string is written to its own
// file in a private temporary directory and drawn with drawtext's textfile
// option and expansion=none, so quotes, colons, backslashes, %{…} sequences
// and newlines are drawn literally. The filtergraph is handed to ffmpeg as a
// script file, and every path inside it is escaped for ffmpeg's two levels of
// quoting.
//
// ffmpeg reads only local files, and only through an allowlist of audio
// demuxers (so a playlist or concat file posing as audio is refused); covers
// are sniffed from their header (JPEG, PNG or WebP, dimensions capped) and
// read through the matching image demuxer.
//
// Errors that mean the source or cover is unusable are [*InputError] (the
// callers' code 400); anything else (ffmpeg failing, a cancelled context, a
// full disk) is an ordinary wrapped error (code 500).
package render
