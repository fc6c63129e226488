// Package analysis is the renderer's audio analysis: what the music does in
// each video frame, for the themes to show.
//
// An [Analyser] reads the decoded source (mono float samples at
// [SampleRate]) and gives every frame its [Levels]: a 2048-point FFT (Hann
// window, centred on the frame's middle; a radix-2 FFT of half the length
// on the packed real signal) gives the levels of log-spaced bands from 50
// Hz to 10 kHz in dB. Each band is shown against its own last three
// seconds (running mean and mean deviation, with a tilt of 3 dB an octave
// above 500 Hz): at its mean a band is 0.55 high and four deviations span
// the whole range, so a theme's bars use their height whatever the
// loudness, and a steady sound, even loud broadband noise, sits in the
// middle instead of pinning them at the top; bands far below the loudest
// shrink, so leakage and hiss are not blown up. The levels rise and fall
// with attack and decay. The pulse, the beat, follows the spectral flux of
// the bands below 250 Hz, on a fixed -62…-12 dB scale, against its running
// mean. Below -60 dBFS all levels are 0, so silence gives identical frames.
// (The render package's doc.go has the measurements behind these choices.)
//
// A [Track] runs the analysis alongside the drawing, a window of frames
// ahead of it: a 3-minute track is analysed in about half a second, and
// drawing waits for a frame's levels only if it gets ahead.
//
// [Hook] finds where a clip of a song should start when nothing labels
// its chorus: the earliest loud passage whose chords the song repeats (a
// chroma self-similarity weighted by loudness; see its doc).
package analysis
