package render

import (
	"strconv"
	"strings"
	"time"
)

// The video: frameRate frames a second, encoded by x264 with the settings
// chosen by measurement (see doc.go and BenchmarkRender180s).
const (
	frameRate   = 30
	videoPreset = "ultrafast"
	// videoQP is the quantiser of every P frame (keyframes get 3 less).
	// Constant QP rather than CRF: nine frames in ten are almost all
	// skipped blocks, so CRF spends a quarter of the encoder's time
	// measuring complexity (a quarter-size motion search a frame) only to
	// choose QP 10–14 anyway; QP 14 gives the same SSIM for 30% less CPU.
	videoQP      = "14"
	videoQPValue = 14
	// x264Params: plain ultrafast, whose CAVLC takes a fifth less of the
	// encoder's time than CABAC for a fifth more bits (1.3 instead of 1.1
	// Mbit/s here; the quality is the same), and whose deblocking filter
	// is off (at QP 15 and below H.264's filter never acts). No scene cuts:
	// a keyframe starts every GOP and only there (see encode).
	x264Params = "scenecut=0"
	// gopFrames is the distance between keyframes: every 5 s, which keeps
	// seeking quick. A GOP is also the unit of parallel encoding: each is
	// encoded whole by one encoder.
	gopFrames = 5 * frameRate
)

// Audio: minAACRate is the least AAC bit rate when the source's stream
// cannot be copied; lossless sources get losslessAACRate a channel.
const (
	minAACRate      = 192_000
	losslessAACRate = 160_000
)

// copyableAudio lists the codecs whose stream goes into the MP4 as it is.
var copyableAudio = map[string]bool{"aac": true, "mp3": true, "alac": true}

// losslessAudio lists codecs (besides pcm_*) whose bit rate says nothing
// about the quality AAC needs to keep.
var losslessAudio = map[string]bool{"flac": true, "wavpack": true, "ape": true, "tta": true, "tak": true,
	"truehd": true, "mlp": true, "wmalossless": true, "shorten": true}

// audioPlan decides how the source's audio goes into the MP4: copied when
// its codec allows, else AAC at the source's bit rate and at least 192
// kbit/s (160 kbit/s a channel for lossless sources), within the AAC
// encoder's ceiling of 6 bits a sample a channel.
func audioPlan(info Info) (copyAudio bool, rate int64) {
	if copyableAudio[info.Codec] {
		return true, 0
	}
	rate = max(minAACRate, info.BitRate)
	if losslessAudio[info.Codec] || strings.HasPrefix(info.Codec, "pcm_") {
		rate = max(minAACRate, losslessAACRate*int64(info.Channels))
	}
	if ceiling := 6 * int64(info.SampleRate) * int64(info.Channels); ceiling > 0 && rate > ceiling {
		rate = ceiling
	}
	return false, rate
}

// decodeArgs returns ffmpeg's arguments to decode the source's first audio
// stream to mono float samples at analysisRate on stdout. Like the muxer, it
// reads the source only up to its probed duration (-t): a file whose header
// says 2 s but which holds hours of audio (an MP3 with a lying Xing frame
// count) is read for the 2 s that were checked against the limit.
func decodeArgs(p plan) []string {
	return []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-format_whitelist", audioFormats, "-protocol_whitelist", "file", "-t", seconds(p.Duration),
		"-i", "file:" + p.Audio, "-map", "0:a:0", "-ac", "1", "-ar", strconv.Itoa(analysisRate), "-f", "f32le", "pipe:1",
	}
}

// encodeArgs returns the arguments of one of the render's encoders: it
// reads raw yuv420p frames from video (normally "pipe:0") and writes them
// as an H.264 byte stream to out (normally "pipe:1"). x264 runs in one
// thread: a render runs one encoder per core on different GOPs instead,
// which uses the cores better than x264's frame threads (see doc.go).
func encodeArgs(p plan, video, out string) []string {
	l := p.Layout
	return []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", strconv.Itoa(l.W) + "x" + strconv.Itoa(l.H),
		"-framerate", strconv.Itoa(frameRate), "-protocol_whitelist", protocolOf(video), "-i", video,
		"-map", "0:v:0", "-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "libx264", "-preset", videoPreset, "-qp", videoQP, "-threads", "1",
		"-x264-params", x264Params + ":keyint=" + strconv.Itoa(gopFrames),
		"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
		"-f", "h264", out,
	}
}

// muxArgs returns ffmpeg's arguments to put the H.264 byte stream read from
// video (normally "pipe:0") and the source's audio into p.Out, an MP4 with
// +faststart: the video as it is, the audio copied or encoded to AAC.
func muxArgs(p plan, video string) []string {
	args := []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
		"-f", "h264", "-framerate", strconv.Itoa(frameRate), "-protocol_whitelist", protocolOf(video), "-i", video,
		"-format_whitelist", audioFormats, "-protocol_whitelist", "file", "-t", seconds(p.Duration),
		"-i", "file:" + p.Audio, "-map", "0:v:0", "-map", "1:a:0", "-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "copy",
	}
	if p.CopyAudio {
		args = append(args, "-c:a", "copy")
	} else {
		// The fast coder: ffmpeg's default, twoloop, took 1.2 CPU seconds
		// for 20 s of stereo at 320 kbit/s (a 3-minute WAV source cost
		// more CPU than its video), fast 0.58 s; at these bit rates it
		// sounds no worse (it was ffmpeg's default from 2018 for that
		// reason, commit fcb681ac).
		args = append(args, "-c:a", "aac", "-aac_coder", "fast", "-b:a", strconv.FormatInt(p.AudioRate, 10))
	}
	return append(args, "-movflags", "+faststart", "-f", "mp4", "file:"+p.Out)
}

// protocolOf returns the protocol of an ffmpeg input or output URL: "file"
// for "file:…", "subfile" for "subfile,…", else "pipe".
func protocolOf(url string) string {
	switch {
	case strings.HasPrefix(url, "file:"):
		return "file"
	case strings.HasPrefix(url, "subfile,"):
		return "subfile,file"
	}
	return "pipe"
}

// seconds formats d for an ffmpeg time option, in seconds.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
