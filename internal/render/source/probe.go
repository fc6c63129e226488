package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
)

// Info describes a source's audio as ffprobe sees it.
type Info struct {
	Duration   time.Duration // the container's duration (the first audio stream's when the container has none)
	Codec      string        // ffmpeg's name for the first audio stream's codec, such as "mp3", "aac" or "flac"
	BitRate    int64         // bits per second of the audio stream (the container's when the stream has none); 0 when unknown
	SampleRate int           // samples per second
	Channels   int           // number of audio channels
}

// audioFormats lists the demuxers ffmpeg and ffprobe may use for a source.
// Anything else (playlists, concat scripts, image sequences, raw video) is
// refused before it is parsed, so a hostile upload cannot make ffmpeg read
// other files.
const audioFormats = "mp3,wav,w64,flac,ogg,mov,aac,matroska,aiff,caf,asf"

// InputArgs returns ffmpeg's options that read the source audio at path
// (absolute) as every step that reads it does: only through the demuxers
// of the allowlist, only from a local file, and only up to its probed
// duration d (-t), so that a file whose header says 2 s but which holds
// hours of audio (an MP3 with a lying Xing frame count) is read for the 2 s
// that were checked against the limit.
func InputArgs(path string, d time.Duration) []string {
	return InputArgsAt(path, 0, d)
}

// InputArgsAt is InputArgs for the part of the source from start for d
// (a clip): ffmpeg seeks to start, decoding from the packet before it so
// that the first sample is start's.
func InputArgsAt(path string, start, d time.Duration) []string {
	args := []string{"-format_whitelist", audioFormats, "-protocol_whitelist", "file"}
	if start > 0 {
		args = append(args, "-ss", seconds(start))
	}
	return append(args, "-t", seconds(d), "-i", "file:"+path)
}

// seconds formats d for an ffmpeg time option, in seconds.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// probeOutput is the part of ffprobe's JSON that Probe reads.
type probeOutput struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		CodecName   string `json:"codec_name"`
		SampleRate  string `json:"sample_rate"`
		Channels    int    `json:"channels"`
		BitRate     string `json:"bit_rate"`
		Duration    string `json:"duration"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
}

// errNotAudio is the user-facing message for a source ffprobe cannot read.
const errNotAudio = "source audio is not a decodable audio file"

// Probe describes the audio of the file at path with ffprobe (the binary
// at the path ffprobe; "" looks it up in PATH). It applies no limit (see
// Check). A file that is not readable audio is an *InputError.
func Probe(ctx context.Context, ffprobe, path string) (Info, error) {
	if ffprobe == "" {
		ffprobe = "ffprobe"
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Info{}, fmt.Errorf("probing %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return Info{}, fmt.Errorf("probing source audio: %w", err)
	}
	cmd := exec.CommandContext(ctx, ffprobe,
		"-v", "error",
		"-format_whitelist", audioFormats,
		"-protocol_whitelist", "file",
		"-print_format", "json",
		"-show_format", "-show_streams",
		"file:"+abs)
	var stdout bytes.Buffer
	stderr := ffmpeg.NewTailBuffer(ffmpeg.StderrTail)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	ffmpeg.Isolate(cmd)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Info{}, fmt.Errorf("probing source audio: %w", ctx.Err())
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return Info{}, &InputError{Msg: errNotAudio,
				Err: fmt.Errorf("ffprobe: %w: %s", err, stderr.String())}
		}
		return Info{}, fmt.Errorf("running ffprobe: %w", err)
	}
	return parseProbe(stdout.Bytes())
}

// parseProbe turns ffprobe's JSON into Info, refusing files without a
// usable audio stream.
func parseProbe(data []byte) (Info, error) {
	var out probeOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return Info{}, fmt.Errorf("reading ffprobe output: %w", err)
	}
	for _, s := range out.Streams {
		if s.CodecType != "audio" || s.Disposition.AttachedPic != 0 {
			continue
		}
		info := Info{Codec: s.CodecName, Channels: s.Channels}
		info.SampleRate, _ = strconv.Atoi(s.SampleRate)
		info.BitRate = parseInt(s.BitRate)
		if info.BitRate == 0 {
			info.BitRate = parseInt(out.Format.BitRate)
		}
		d, ok := parseSeconds(out.Format.Duration)
		if !ok {
			d, ok = parseSeconds(s.Duration)
		}
		switch {
		case info.Codec == "" || info.SampleRate <= 0 || info.Channels <= 0:
			return Info{}, &InputError{Msg: errNotAudio,
				Err: fmt.Errorf("audio stream without codec, sample rate or channels (%q)", info.Codec)}
		case !ok:
			return Info{}, &InputError{Msg: "the length of the source audio cannot be determined"}
		case d <= 0:
			return Info{}, &InputError{Msg: "source audio is empty"}
		}
		info.Duration = d
		return info, nil
	}
	return Info{}, &InputError{Msg: "source file has no audio stream"}
}

func parseInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// parseSeconds reads ffprobe's decimal seconds ("123.456000").
func parseSeconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e9 {
		return 0, false
	}
	return time.Duration(math.Round(f * float64(time.Second))), true
}
