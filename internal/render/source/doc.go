// Package source is the renderer's first stage: it vets and reads what a
// render is made from, the source audio and the cover image.
//
//   - [Check] applies the size and length limits and [Probe]s the audio
//     with ffprobe (duration, codec, bit rate, sample rate, channels);
//   - [CheckCover] reads only a cover's header (JPEG, PNG or WebP) and
//     refuses animated, oversized or malformed pictures before anything
//     decodes them;
//   - [Decode] runs the ffmpeg that decodes the audio to mono float
//     samples for the analysis;
//   - [InputArgs] and [Cover.InputArgs] are the options every ffmpeg that
//     reads the source or the cover uses.
//
// ffmpeg and ffprobe read only local files, and a source only through an
// allowlist of audio demuxers (so a playlist or concat file posing as audio
// is refused), and only up to its probed duration. Errors that mean the
// source or cover is unusable are [*InputError]; callers map them to the
// contract's code 400.
package source
