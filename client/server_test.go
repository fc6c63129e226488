package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/webhook"
)

// mvgen is the real service every test and example of this package talks
// to: started once by TestMain on 127.0.0.1:0 over a temporary directory.
var live struct {
	*server.Server
	dir   string
	audio string // a 3-second test track made with ffmpeg
	cover string // a PNG cover made with ffmpeg
	key   string // an API key for the examples
}

func TestMain(m *testing.M) {
	code, err := runWithServer(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithServer(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "mvgen-client-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	live.dir = dir
	if live.audio, err = makeAudio(dir, "song.wav", 3); err != nil {
		return 0, err
	}
	live.cover = filepath.Join(dir, "cover.png")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x320:duration=1",
		"-frames:v", "1", live.cover).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("making the test cover: %v\n%s", err, out)
	}
	s, err := server.Open(context.Background(), server.Config{
		DataDir:           filepath.Join(dir, "data"),
		Addr:              "127.0.0.1:0",
		MetricsAddr:       server.MetricsOff,
		CallbackAllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		LimitConfig:       server.LimitConfig{SourceAllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		CallbackSchedule:  []time.Duration{100 * time.Millisecond},
	})
	if err != nil {
		return 0, fmt.Errorf("server.Open: %w", err)
	}
	live.Server = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		s.Close()
	}()
	if live.key, err = createKey("examples"); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// createKey adds an API key to the server's store, as `mvgen keys create`
// does, and returns its token.
func createKey(name string) (string, error) {
	secret, err := webhook.NewSecret()
	if err != nil {
		return "", err
	}
	k, token := mvgen.NewKey(name, secret, time.Now())
	if err := live.Store().CreateKey(context.Background(), k); err != nil {
		return "", fmt.Errorf("creating an API key: %w", err)
	}
	return token, nil
}

// newKey is createKey for a test: every test gets its own key, so it sees
// only its own tasks.
func newKey(t testing.TB) string {
	t.Helper()
	k, err := createKey(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// makeAudio writes a test track with ffmpeg: a sine tone.
func makeAudio(dir, name string, seconds float64) (string, error) {
	path := filepath.Join(dir, name)
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=44100:duration="+strconv.FormatFloat(seconds, 'f', 3, 64),
		"-ac", "2", path).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("making test audio: %v\n%s", err, out)
	}
	return path, nil
}

// probe is the part of ffprobe's answer the tests read.
type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probe) duration() float64 {
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return d
}
