// Package ffmpeg runs ffmpeg for the renderer's stages.
//
// A [Runner] starts processes that are killed when their context ends and,
// on Linux, by the kernel when mvgen dies (even by SIGKILL), so a killed
// service never leaves an orphan render writing to disk; a [Process] keeps
// the tail of its stderr, which its error carries. [EscapeFilterValue]
// quotes a value (a path) for a filtergraph.
//
// User text never enters an argument list or a filtergraph: the stages
// write it to files in a private directory and pass the files' paths,
// escaped here.
package ffmpeg
