package source

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// isInputError reports whether err is an *InputError whose message
// contains msg.
func isInputError(err error, msg string) bool {
	var ie *InputError
	return errors.As(err, &ie) && strings.Contains(ie.Msg, msg)
}

func TestParseProbe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		json    string
		want    Info
		wantErr string // substring of the InputError's message
	}{
		{"mp3", `{"streams":[{"codec_type":"audio","codec_name":"mp3","sample_rate":"44100","channels":2,"bit_rate":"192000"}],
			"format":{"format_name":"mp3","duration":"3.500000","bit_rate":"193000"}}`,
			Info{3500 * time.Millisecond, "mp3", 192000, 44100, 2}, ""},
		{"cover art first, stream duration only", `{"streams":[
			{"codec_type":"video","codec_name":"mjpeg","disposition":{"attached_pic":1}},
			{"codec_type":"audio","codec_name":"flac","sample_rate":"48000","channels":1,"duration":"1.25"}],
			"format":{"format_name":"flac","bit_rate":"900000"}}`,
			Info{1250 * time.Millisecond, "flac", 900000, 48000, 1}, ""},
		{"video only", `{"streams":[{"codec_type":"video","codec_name":"h264"}],"format":{"duration":"1"}}`,
			Info{}, "no audio stream"},
		{"no streams", `{"streams":[],"format":{}}`, Info{}, "no audio stream"},
		{"no duration", `{"streams":[{"codec_type":"audio","codec_name":"aac","sample_rate":"44100","channels":2}],"format":{"duration":"N/A"}}`,
			Info{}, "cannot be determined"},
		{"zero duration", `{"streams":[{"codec_type":"audio","codec_name":"aac","sample_rate":"44100","channels":2}],"format":{"duration":"0.000000"}}`,
			Info{}, "empty"},
		{"no sample rate", `{"streams":[{"codec_type":"audio","codec_name":"aac","channels":2}],"format":{"duration":"1"}}`,
			Info{}, "not a decodable"},
	}
	for _, tt := range tests {
		got, err := parseProbe([]byte(tt.json))
		if tt.wantErr != "" {
			if !isInputError(err, tt.wantErr) {
				t.Errorf("%s: got error %v, want an *InputError containing %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v, want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestFormatLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d, limit time.Duration
		want     string
	}{
		{16*time.Minute + 2*time.Second + 300*time.Millisecond, 15 * time.Minute, "16m2s"},
		{15*time.Minute + 200*time.Millisecond, 15 * time.Minute, "15m0.2s"},
		{2032 * time.Millisecond, time.Second, "2s"},
	}
	for _, tt := range tests {
		if got := formatLength(tt.d, tt.limit); got != tt.want {
			t.Errorf("formatLength(%v, %v) = %q, want %q", tt.d, tt.limit, got, tt.want)
		}
	}
}

func FuzzParseProbe(f *testing.F) {
	f.Add(`{"streams":[{"codec_type":"audio","codec_name":"mp3","sample_rate":"44100","channels":2}],"format":{"duration":"1"}}`)
	f.Fuzz(func(t *testing.T, data string) {
		info, err := parseProbe([]byte(data))
		if err == nil && (info.Duration <= 0 || info.SampleRate <= 0 || info.Channels <= 0) {
			t.Errorf("parseProbe accepted %+v", info)
		}
	})
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		1000: "1000 bytes", 2048: "2 KiB", 1536 + 1: "1.5 KiB",
		200 << 20: "200 MiB", 200<<20 + 1<<19: "200.5 MiB",
	} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
