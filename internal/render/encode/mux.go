package encode

import (
	"strconv"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/render/source"
)

// The video: encoded by x264 with the settings chosen by measurement (see
// the render package's doc.go and BenchmarkRender180s, whose baseline uses
// them too).
const (
	// Preset is x264's preset.
	Preset = "ultrafast"
	// QP is the quantiser of every P frame (keyframes get 3 less).
	// Constant QP rather than CRF: nine frames in ten are almost all
	// skipped blocks, so CRF spends a quarter of the encoder's time
	// measuring complexity (a quarter-size motion search a frame) only to
	// choose QP 10–14 anyway; QP 14 gives the same SSIM for 30% less CPU.
	QP      = "14"
	qpValue = 14
	// X264Params: plain ultrafast, whose CAVLC takes a fifth less of the
	// encoder's time than CABAC for a fifth more bits (1.3 instead of 1.1
	// Mbit/s here; the quality is the same), and whose deblocking filter
	// is off (at QP 15 and below H.264's filter never acts). No scene cuts:
	// a keyframe starts every GOP and only there (see Run).
	X264Params = "scenecut=0"
	// gopSeconds is the distance between keyframes: every 5 s, which keeps
	// seeking quick. A GOP is also the unit of parallel encoding: each is
	// encoded whole by one encoder.
	gopSeconds = 5
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

// AudioFor decides how the source's audio (as probed) goes into the MP4:
// copied when its codec allows, else AAC at the source's bit rate and at
// least 192 kbit/s (160 kbit/s a channel for lossless sources), within the
// AAC encoder's ceiling of 6 bits a sample a channel.
func AudioFor(info source.Info) (copyAudio bool, rate int64) {
	if copyableAudio[info.Codec] {
		return true, 0
	}
	return false, AACRate(info)
}

// AACRate is the AAC bit rate for the source's audio when it is encoded,
// not copied (see AudioFor): a clip's audio always is, for its fades.
func AACRate(info source.Info) int64 {
	rate := max(minAACRate, info.BitRate)
	if losslessAudio[info.Codec] || strings.HasPrefix(info.Codec, "pcm_") {
		rate = max(minAACRate, losslessAACRate*int64(info.Channels))
	}
	if ceiling := 6 * int64(info.SampleRate) * int64(info.Channels); ceiling > 0 && rate > ceiling {
		rate = ceiling
	}
	return rate
}

// Output is the MP4 a render writes and the audio it takes from the
// source.
type Output struct {
	Path     string        // absolute
	Audio    string        // the source audio's absolute path
	Duration time.Duration // its probed duration: the audio is read up to it (from Start)
	// Start, for a clip, is where in the source its audio starts; Duration
	// is then the clip's length.
	Start time.Duration
	// Fade, when set, fades the audio in and out over this long at its
	// ends (a clip's); the audio must then be encoded, not copied.
	Fade      time.Duration
	CopyAudio bool  // copy the audio stream as it is (see AudioFor)
	AudioRate int64 // else encode it to AAC at this many bits a second
	// Captions, when set, is the absolute path of a SubRip file muxed in
	// as a mov_text subtitle track (generate's embedCaptions).
	Captions string
}

// EncoderArgs returns the arguments of one of the ffmpeg encoders (see
// FFmpeg): it reads raw yuv420p frames of v from video (normally
// "pipe:0") and writes them as an H.264 byte stream to out (normally
// "pipe:1"). x264 runs in one thread: a render runs one encoder per core on
// different GOPs instead, which uses the cores better than x264's frame
// threads (see the render package's doc.go).
func EncoderArgs(v Video, video, out string) []string {
	return []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", strconv.Itoa(v.W) + "x" + strconv.Itoa(v.H),
		"-framerate", strconv.Itoa(v.FPS), "-protocol_whitelist", protocolOf(video), "-i", video,
		"-map", "0:v:0", "-map_metadata", "-1", "-map_chapters", "-1",
		"-c:v", "libx264", "-preset", Preset, "-qp", QP, "-threads", "1",
		"-x264-params", X264Params + ":keyint=" + strconv.Itoa(v.GOP()),
		"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
		"-f", "h264", out,
	}
}

// MuxArgs returns ffmpeg's arguments to put the H.264 byte stream at fps
// frames a second read from video (normally "pipe:0") and the source's
// audio into o.Path, an MP4 with +faststart: the video as it is, the audio
// copied or encoded to AAC.
func MuxArgs(o Output, fps int, video string) []string {
	args := []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
		"-f", "h264", "-framerate", strconv.Itoa(fps), "-protocol_whitelist", protocolOf(video), "-i", video,
	}
	args = append(args, source.InputArgsAt(o.Audio, o.Start, o.Duration)...)
	if o.Captions != "" {
		args = append(args, "-f", "srt", "-protocol_whitelist", "file", "-i", "file:"+o.Captions)
	}
	args = append(args, "-map", "0:v:0", "-map", "1:a:0")
	if o.Captions != "" {
		args = append(args, "-map", "2:s:0", "-c:s", "mov_text", "-metadata:s:s:0", "language=und")
	}
	args = append(args, "-map_metadata", "-1", "-map_chapters", "-1", "-c:v", "copy")
	if o.Fade > 0 {
		f := strconv.FormatFloat(o.Fade.Seconds(), 'f', -1, 64)
		out := strconv.FormatFloat(max(0, (o.Duration-o.Fade).Seconds()), 'f', -1, 64)
		args = append(args, "-af", "afade=t=in:st=0:d="+f+",afade=t=out:st="+out+":d="+f)
	}
	if o.CopyAudio && o.Fade == 0 {
		args = append(args, "-c:a", "copy")
	} else {
		// The fast coder: ffmpeg's default, twoloop, took 1.2 CPU seconds
		// for 20 s of stereo at 320 kbit/s (a 3-minute WAV source cost
		// more CPU than its video), fast 0.58 s; at these bit rates it
		// sounds no worse (it was ffmpeg's default from 2018 for that
		// reason, commit fcb681ac).
		args = append(args, "-c:a", "aac", "-aac_coder", "fast", "-b:a", strconv.FormatInt(o.AudioRate, 10))
	}
	return append(args, "-movflags", "+faststart", "-f", "mp4", "file:"+o.Path)
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
