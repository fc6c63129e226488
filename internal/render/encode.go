package render

import (
	"strconv"
	"strings"
)

// The video: frameRate frames a second, encoded by x264 with the settings
// chosen by measurement (see doc.go and BenchmarkRender180s).
const (
	frameRate   = 30
	videoPreset = "ultrafast"
	videoCRF    = "23"
	// x264Params puts back into ultrafast the three tools that cost little
	// and matter for this picture: CABAC (a fifth fewer bits), the
	// deblocking filter (no block edges in the blurred background) and
	// adaptive quantisation (no banding in its dark gradients). A keyframe
	// every 5 s keeps seeking quick.
	x264Params = "cabac=1:deblock=0,0:aq-mode=1:keyint=150"
	// videoMaxRate and videoBufSize cap the bit rate of busy passages.
	videoMaxRate, videoBufSize = "4000k", "8000k"
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
// stream to mono float samples at analysisRate on stdout.
func decodeArgs(p plan) []string {
	return []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-format_whitelist", audioFormats, "-protocol_whitelist", "file", "-i", "file:" + p.Audio,
		"-map", "0:a:0", "-ac", "1", "-ar", strconv.Itoa(analysisRate), "-f", "f32le", "pipe:1",
	}
}

// encodeArgs returns ffmpeg's arguments to encode the raw yuv420p frames
// read from video (normally "pipe:0") with the source's audio into p.Out.
func encodeArgs(p plan, video string) []string {
	l := p.Layout
	proto := "pipe"
	if strings.HasPrefix(video, "file:") {
		proto = "file"
	}
	args := []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", strconv.Itoa(l.W) + "x" + strconv.Itoa(l.H),
		"-framerate", strconv.Itoa(frameRate), "-protocol_whitelist", proto, "-i", video,
		"-format_whitelist", audioFormats, "-protocol_whitelist", "file", "-i", "file:" + p.Audio,
		"-map", "0:v:0", "-map", "1:a:0", "-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "libx264", "-preset", videoPreset, "-crf", videoCRF,
		"-maxrate", videoMaxRate, "-bufsize", videoBufSize, "-x264-params", x264Params,
		"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
	}
	if p.Threads > 0 {
		args = append(args, "-threads", strconv.Itoa(p.Threads))
	}
	if p.CopyAudio {
		args = append(args, "-c:a", "copy")
	} else {
		args = append(args, "-c:a", "aac", "-b:a", strconv.FormatInt(p.AudioRate, 10))
	}
	return append(args, "-movflags", "+faststart", "-f", "mp4", "file:"+p.Out)
}
