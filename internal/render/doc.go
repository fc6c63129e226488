// Package render turns a track into an MP4 music video: a [Renderer]
// checks the source and the cover, and runs the stages, each a package with
// one job, from top to bottom (see stages.go):
//
//   - source: probing and checking the source audio and the cover, and
//     decoding the audio to samples (package source);
//   - analysis: the levels of the spectrum's bands and the beat in each
//     frame, from an FFT of the samples (package analysis);
//   - text: making user text drawable, the fonts and the fallback to
//     Noto's faces, shaping and typesetting (package text);
//   - scene: what a frame shows: a theme (scene.Theme) draws the still
//     layers once and then each frame over them, and marks the macroblocks
//     it writes; package scene/bars draws the four themes (bars, the
//     default, wave, lyric and radial: looks on one engine; newTheme picks
//     one) (package scene, on pictures of package yuv);
//   - encode: the encoders (libx264 in this process, or ffmpeg processes),
//     each on its own GOPs, and the muxer (package encode).
//
// Package ffmpeg runs the ffmpeg processes of all of them. Lower stages do
// not import this package, and none imports one above it.
//
// A video is 30 fps H.264 in one of three aspects (mvgen.Aspect), at 720p
// or 1080p (mvgen.Resolution; see scene.Size for the sizes). The video has
// ceil(duration × 30) frames, so it ends within one frame after the audio.
// Progress is reported from the count of frames drawn. With Input.Poster
// set, the theme's poster picture (bars: the still picture with the intro
// card) is also converted to RGB and written as a JPEG (synced, then
// renamed into place with the video) while the encoders run.
//
// # The pipeline
//
// The encoder is the bottleneck: x264 at 720p on two cores. Everything
// else is arranged to cost as little as possible beside it:
//
//  1. Source: ffprobe reads the source's duration and codec; sizes, lengths
//     and the cover's header are checked (source.Check, source.CheckCover).
//  2. Decoder and analysis: ffmpeg decodes the source to mono 32-bit float
//     samples at 22050 Hz into a pipe (source.Decode), and a goroutine
//     analyses them for every frame (analysis.Track): a 2048-point FFT
//     (Hann window, centred on the frame's middle; a radix-2 FFT of half
//     the length on the packed real signal) gives the bands' levels in dB.
//     Each band is shown against its own last three seconds (running mean
//     and mean deviation, with a tilt of 3 dB an octave above 500 Hz): at
//     its mean a bar is 55 % high and four deviations span the whole bar,
//     so the bars use their height whatever the loudness, and a steady
//     sound, even loud broadband noise, sits in the middle instead of
//     pinning them at the top; bands far below the loudest shrink, so
//     leakage and hiss are not blown up. The levels rise and fall with
//     attack and decay. On frames of a multi-instrument piece
//     (TestBarsDance) the bars' mean height went from 0.44 to 0.65 of the
//     band and each bar's spread in time (standard deviation) from 0.18 to
//     0.19; on 30 s of a blues recording from 0.24 and 0.14 to 0.56 and
//     0.22; on loud white noise from 0.67 and 0.02 (a still wall) to 0.61
//     and 0.09, no bar full. The pulse follows the spectral flux of the
//     bands below 250 Hz, on a fixed -62…-12 dB scale, against its running
//     mean. Below -60 dBFS all levels are 0, so silence gives identical
//     frames. A 3-minute track is analysed in about half a second; drawing
//     waits for a frame's levels only if it gets ahead. The levels are kept
//     in a window of max(8, 2 × encoders) GOPs (analysis.Window), not for
//     the whole track.
//  3. Still layers: the theme draws what does not move (scene.Theme's
//     Still). The bars theme runs one ffmpeg that draws the background,
//     the cover, the title, the watermark and the progress line's track
//     with its filters, and writes raw yuv420p pictures to the work
//     directory; it costs about 0.4 s once, while the decoder and the
//     analysis run, and the lyrics are laid out meanwhile.
//  4. Drawing, in Go, in yuv420p (package yuv): each frame is composed over
//     the still picture by the theme, only where it changes (bars: about
//     0.1 ms a frame). Lyrics (scene.Lyrics) are drawn again only when what
//     they show changes.
//  5. Encoders: one libx264 a core, in this process (encode.X264, package
//     x264), each running one thread. The video is cut into GOPs of 150
//     frames (a keyframe every 5 s); each encoder's goroutine takes the
//     next GOP nobody has taken, draws its frames one by one into one of
//     two buffers and hands each to libx264, telling it which macroblocks
//     are the same as in the frame before (X264_MBINFO_CONSTANT: libx264
//     then skips them without analysis), and so on. Builds without libx264
//     (CGO_ENABLED=0 or the tag nox264) run one ffmpeg a core instead
//     (encode.FFmpeg): its goroutine draws the GOP's frames into it through
//     a pipe (on Linux with vmsplice, without a copy), and a goroutine cuts
//     each encoder's H.264 output at the SPS that starts every GOP. "The
//     encoders" below has the figures.
//  6. Muxer: one ffmpeg receives the GOPs in order on a pipe as they are
//     done and writes them, with the source's audio, into the MP4 with
//     +faststart (encode.Run).
//
// # Kits and clips
//
// RenderKit renders the whole song and more renditions of it (other
// shapes and sizes, or clips) from one probe and one decode: the samples
// go onto a source.Tape, which every rendition's analysis reads from its
// own start; each rendition has its own static step, analysis, encoders
// and muxer, and they render one after another into temporary files that
// are renamed into place only when all have succeeded (kit.go). A clip
// (clip.go) is a job cut to a part of the song, its picture faded from and
// to black (scene.Fade) and its sound with afade; an automatic clip starts
// at the lyrics' first chorus label or at analysis.Hook's pick.
// docs/DECISIONS.md ("Clips and kits in the renderer") has the measured
// figures.
//
// # Memory
//
// BenchmarkRender15min (MVGEN_BENCH_LONG=1) renders a 15-minute track at
// 720p and at 1080p with lyrics and logs each process's PSS at the peak.
// Measured at 720p here
// (one run each; the machine was shared): before this change 269 MiB
// PSS, 221 anonymous: two encoders 40 each, the muxer 33, the Go process
// 157 (its heap 97 MiB in use; live at mid-render, by a heap profile: 32
// MiB of font tables read by go-text for Noto Sans CJK regular and bold,
// 12 MiB of levels for every frame, 10 MiB of frames). Now the levels
// are kept in a window of max(8, 2 × encoders) GOPs (0.5 MB), the glow
// cache is made in one scratch frame instead of a clone per level (88 MB
// of garbage), and the encoders' output is read into reused GOP buffers
// (470 MB of garbage in half a render before): the live heap at
// mid-render fell from 75 to 57 MiB and no longer grows with length. The
// peak did not fall with it: 254–271 MiB over three runs, the Go process
// 132–146, because the Go heap still grows to its collection goal, twice
// what it holds, with the garbage that remains (the lyrics' rasteriser,
// about 30 MB over the render). Then the encoders moved into this
// process (see "The encoders"): two libx264 instances take less than two
// ffmpeg processes did, and the 15-minute render peaked at 233 MiB. And
// while renders run, the collector's goal is 25 % over the live heap
// instead of 100 % (see renderGCPercent; it is process-wide, and GOGC,
// when set, wins): 188 MiB in the same run's conditions. What is live is
// now mostly the CJK fonts (36 MiB) and the frames.
//
// # The encoders
//
// The encoder is nearly all of a render's CPU time, and most of it went on
// frames that barely change: on the benchmark's 720p frames (lyrics on)
// about 94 % of the macroblocks are the same as in the frame before, yet
// one ffmpeg/x264 on two cores spent 12 CPU seconds on 180 s of them, and
// one single-threaded x264 took 1.5 ms a frame on 1500 copies of one frame
// (2.2 CPU seconds): x264 analyses every macroblock before it finds it
// unchanged, and each frame also crossed a pipe (reading 1500 frames from
// a pipe instead of a file cost ffmpeg another second). Measured with a C
// program linking libx264 on 1500 of those frames, one core: 1.70 ms a
// frame through the library as ffmpeg drives it, 1.14 ms with mb_info
// marking the unchanged macroblocks (the same picture: the decoded frames
// differ from the drawn ones by 0.25 on average either way), and 1.2 ms
// each with two running at once. In the render that took the 180 s
// benchmark from 8.2–8.9 s (ffmpeg encoders) to 5.6–6.1 s; comparing only
// the macroblocks ever written (see yuv.Frame.Marks; at 1080p the comparison
// had taken a tenth of the CPU) and drawing the lyrics only when they
// change brought it to 5.5–5.9 s at 720p, against 7.8–8.4 s for the same
// render with ffmpeg encoders in the same run, and 12.1–13.6 s at 1080p
// against 16.6–17.4 s (make bench: ffmpeg_encoders_ratio); with one call
// into C a picture (below), 4.6–5.1 s against 7.1–7.8 s, and 11.3–12.1 s
// against 16.2–16.3 s. The cost: cgo
// and libx264's headers to build (scripts/deps.sh installs them), and a
// binary that links libx264, which is GPL (docs/DECISIONS.md).
// TestInProcessVideoIsTheFrames compares every macroblock of every decoded
// frame with the frame drawn, so a macroblock marked unchanged by mistake
// fails it; and scenetest.CheckMarks fails a theme that writes a
// macroblock without marking it.
//
// The cores still idle about an eighth of a render (make bench's
// cpu_bound_ratio: 1.1–1.2), spread over its whole length, not only the
// serial start and the last GOP. Go's sysmon wakes about 5000 times a
// second to take back the P of a thread in a cgo call; marking and
// encoding a picture in one call into C instead of two saved about 3 %.
// Tried and not kept, each within the machine's noise or a trade against
// memory: a 4 MiB muxer pipe, GOMAXPROCS 3 (about 4 % faster, but it is
// process-wide), three encoders on two cores (idle halves, wall time the
// same), a coarser glow (the glow costs about 12 % at 1080p, but the pulse
// moves nearly every frame at any number of levels), and QP 17 at 1080p
// (no faster: the time is in the macroblocks' analysis, not their bits).
//
// # Why GOPs in parallel
//
// x264 at ultrafast does so little per frame that its frame threads spend
// much of their time waiting on each other: on two cores one ffmpeg kept
// about 1.5 of them busy (a quarter of the machine idle), and the threads
// cost CPU of their own. Encoders on different GOPs share nothing, so n
// single-threaded ones keep n cores busy on less CPU in all. A GOP is whole
// in one encoder, starts with an IDR picture and references nothing before
// it, so the video decodes to the frames one encoder would have made
// (TestPipeDeliversFramesIntact checks it). Measured on 60 s of the
// benchmark's frames read from /dev/shm, four interleaved runs each, the
// same x264 settings and an MP4 at the end: one ffmpeg letting x264 thread,
// 4.35–4.89 s wall and 7.1–7.6 CPU seconds; two single-threaded encoders
// on the two halves plus the muxing, 3.51–3.96 s and 5.9–6.3 CPU seconds.
//
// # Encoder settings
//
// Measured on 60 s of this picture's frames at 720p (CPU seconds of one
// ffmpeg on two cores; SSIM against the frames): x264 ultrafast at CRF 23
// with CABAC, deblocking and adaptive quantisation, 9.1 s for 841 kbit/s
// (SSIM 0.9968); the same at constant QP 14 (no AQ: x264 turns it off with
// constant QP) 6.9 s for 1093 kbit/s (0.9970); QP 16, 930 kbit/s
// (0.9964); QP 18, 759 kbit/s (0.9956); QP 12, 1420 kbit/s (0.9976).
// Nine macroblocks in ten are skipped in this picture; CRF spends a quarter
// of the encoder's time measuring each frame's complexity with a motion
// search on a quarter-size copy, only to pick QP 10–14 for such frames
// anyway. Then, one single-threaded x264 on the same 60 s at QP 14 (CPU
// seconds, three runs each): with CABAC 5.7, 1092 kbit/s; with CAVLC
// 4.5–4.7, 1322 kbit/s; the picture is the same (entropy coding is
// lossless), and the deblocking filter, on or off, changes nothing (at QP
// 15 and below H.264's filter never acts). So: plain ultrafast (CAVLC, no
// deblocking; Constrained Baseline, which every player decodes) at
// constant QP 14 (11 for keyframes): SSIM 0.9970, 1.3 Mbit/s.
// Constant QP has no bit-rate cap; the worst case measured (a cover of
// colour noise, loud broadband audio with every bar moving) is 1.4–2.0
// Mbit/s across the aspects, well under the 4 Mbit/s the service promises.
// Earlier measurements on 30 s (CPU seconds, kbit/s, SSIM): veryfast CRF 23
// 8.6 s, 233, 0.9941; superfast 6.4–7.3 s, 657, 0.9965; ultrafast 3.6 s,
// 1071, 0.9961: only ultrafast leaves room for 10× real time.
//
// # Audio
//
// The source's audio stream is copied when its codec can go into MP4 as it
// is (AAC, MP3, ALAC). Otherwise it is encoded to AAC at the source's bit
// rate and at least 192 kbit/s; lossless sources (FLAC, PCM, …) get 160
// kbit/s a channel. The AAC encoder uses its fast coder, half the CPU of
// the default one (see encode.MuxArgs): a 3-minute WAV source rendered in
// 7.1–7.4 s instead of 10.6–11.0 s.
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
// aspect or resolution. Anything else (ffmpeg failing, a cancelled
// context, a full disk) is an ordinary wrapped error (code 500).
package render
