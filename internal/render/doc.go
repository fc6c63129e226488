// Package render turns a track into an MP4 music video.
//
// # The picture
//
// A video is 30 fps H.264 in one of three aspects, each with its own layout
// (see [Aspect] and layoutFor in aspect.go): 16:9 at 1280×720 puts the
// cover on the left and the title, author, progress line and times on the
// right, over a full-width row of bars; 1:1 at 1080×1080 and 9:16 at
// 720×1280 stack cover, title, author, bars, progress line and times in one
// centred column. Every frame has:
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
//   - bars, one per log-spaced band from 50 Hz to 10 kHz, in an accent
//     colour taken from the cover's most colourful pixel (or the title's
//     hue), lighter towards the top, with a faint reflection;
//   - a glow around the cover that pulses on the beat;
//   - a progress line with the elapsed and total times;
//   - the domain as a watermark at the bottom centre, on a dark translucent
//     box so that it reads on any background.
//
// All text is drawn with Noto Sans CJK (regular and bold), which covers
// Latin with accents, Greek, Cyrillic, CJK and Hangul.
//
// # The pipeline
//
// The encoder is the bottleneck: x264 at 720p on two cores. Everything
// else is arranged to cost as little as possible beside it:
//
//  1. Probe: ffprobe reads the source's duration and codec; sizes, lengths
//     and the cover's header are checked.
//  2. Static step: one ffmpeg run draws everything that does not move (the
//     background, the cover, the title, the watermark, the progress line's
//     track) with its filters, and writes raw yuv420p pictures to the work
//     directory: the still picture, the same with the intro card, a strip
//     of the glyphs 0–9 and ':' for the times, and a 16×16 thumbnail of the
//     cover for the accent colour. It costs about 0.3 s once, while the
//     next two processes start.
//  3. Decoder: ffmpeg decodes the source to mono 32-bit float samples at
//     22050 Hz into a pipe.
//  4. Drawing, in Go, in yuv420p: for every frame, a 2048-point FFT (Hann
//     window, centred on the frame's middle; a radix-2 FFT of half the
//     length on the packed real signal) gives the bands' levels in dB, which
//     rise and fall with attack and decay; the pulse follows the spectral
//     flux of the bands below 250 Hz against its running mean. Below
//     -60 dBFS all levels are 0, so silence gives identical frames. The
//     frame is then composed over the still picture: only the rects drawn
//     into last time are restored; the bars, which are opaque, are copied
//     from a picture of all bars at full height; the glow is pasted from a
//     cache of its pixels at 64 levels; the card dissolves by mixing the two
//     still pictures in its band; the times are blended from the glyph
//     strip. Colours are converted to YUV once; no pixel is converted per
//     frame. Drawing takes about 0.1 ms a frame.
//  5. Encoder: one ffmpeg reads the frames from a pipe and the source's
//     audio from the file, encodes the video with x264 and writes the MP4
//     with +faststart. Three frame buffers circulate, so Go draws the next
//     frame while the last one is written. On Linux the frames go into the
//     pipe with vmsplice, without a copy (see frameWriter).
//
// Progress is reported from the count of frames drawn. The video has
// ceil(duration × 30) frames, so it ends within one frame after the audio.
//
// # Encoder settings
//
// Measured on 30 s of this picture's frames at 720p (CPU seconds on two
// cores, lower is better; SSIM and PSNR against the frames): x264 veryfast
// CRF 23 takes 8.6 s for 233 kbit/s (SSIM 0.9941, PSNR 46.6 dB); superfast
// 6.4–7.3 s, 657 kbit/s (0.9965, 50.6 dB); ultrafast 3.6 s, 1071 kbit/s
// (0.9961, 52.1 dB). Only ultrafast leaves room for 10× real time, and
// three of the tools it turns off are worth their cost here: CABAC (a fifth
// fewer bits), the deblocking filter (no block edges in the blurred
// background) and adaptive quantisation (no banding in dark gradients).
// With them, 3.9 s, 874 kbit/s (0.9966, 50.8 dB). A keyframe every 5 s;
// -maxrate 4 Mbit/s caps busy passages.
//
// # Audio
//
// The source's audio stream is copied when its codec can go into MP4 as it
// is (AAC, MP3, ALAC). Otherwise it is encoded to AAC at the source's bit
// rate and at least 192 kbit/s; lossless sources (FLAC, PCM, …) get 160
// kbit/s a channel.
//
// # Safety
//
// User text never enters a filtergraph or an argument list: each string is
// written to its own file in a private temporary directory and drawn with
// drawtext's textfile option and expansion=none, so quotes, colons,
// backslashes, %{…} sequences and newlines are drawn literally. The
// filtergraph is handed to ffmpeg as a script file, and every path inside
// it is escaped for ffmpeg's two levels of quoting.
//
// ffmpeg reads only local files, and only through an allowlist of audio
// demuxers (so a playlist or concat file posing as audio is refused); covers
// are sniffed from their header (JPEG, PNG or WebP, dimensions capped)
// before anything decodes them, and read through the matching image
// demuxer. Every ffmpeg is killed when the context ends or mvgen dies, and
// the work directory and any partial output are removed.
//
// Errors that mean the source or cover is unusable are [*InputError] (the
// callers' code 400): corrupt or non-audio sources, sources over the length
// or size limits, audio that decodes to much less than its stated length,
// covers that are not images, too large, or fail to decode, and an unknown
// aspect. Anything else (ffmpeg failing, a cancelled context, a full disk)
// is an ordinary wrapped error (code 500).
package render
