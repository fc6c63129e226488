package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/webhook"
)

// TestReceiveConfig: the secret comes from the environment or a file as
// well as the command line, and the safety flags reach the Receiver.
func TestReceiveConfig(t *testing.T) {
	s1, _ := webhook.NewSecret()
	s2, _ := webhook.NewSecret()
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("\n"+s1+"\n  "+s2+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		env         string
		args        []string
		wantSecrets []string
		wantErr     string
	}{
		{"env", s1, nil, []string{s1}, ""},
		{"env list", s1 + "," + s2, nil, []string{s1, s2}, ""},
		{"file", "", []string{"--secret-file", file}, []string{s1, s2}, ""},
		{"flag wins over env", s2, []string{"--secret", s1}, []string{s1}, ""},
		{"none", "", nil, nil, "MVGEN_SECRET, --secret-file or --secret"},
		{"missing file", "", []string{"--secret-file", file + ".none"}, nil, "reading --secret-file"},
		{"legacy without origin", s1, []string{"--legacy"}, nil, "--video-origin"},
		{"bad origin", s1, []string{"--video-origin", "https://a.example/path"}, nil, "not an origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MVGEN_SECRET", tt.env)
			if tt.env == "" {
				os.Unsetenv("MVGEN_SECRET")
			}
			rcv, _, err := receiveConfig(tt.args, &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rcv.Secrets, tt.wantSecrets) {
				t.Errorf("got %d secrets, want %d (in order)", len(rcv.Secrets), len(tt.wantSecrets))
			}
		})
	}
	t.Setenv("MVGEN_SECRET", s1)
	rcv, _, err := receiveConfig([]string{"--legacy", "--video-origin", "https://mvgen.example.com",
		"--redirect-origin", "https://s3.example.com", "--replace", "--max-video-bytes", "1000", "--block-internal"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !rcv.Legacy || !rcv.Replace || rcv.MaxBytes != 1000 || rcv.Guard == nil ||
		!slices.Equal(rcv.VideoOrigins, []string{"https://mvgen.example.com"}) ||
		!slices.Equal(rcv.RedirectOrigins, []string{"https://s3.example.com"}) {
		t.Errorf("flags not passed on: %+v", rcv)
	}
}

// TestReceiveCreatesPrivateDir: `mvgen receive` creates a missing --out
// 0700, for files that are 0600 (the receiver's own tests cover those).
func TestReceiveCreatesPrivateDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	secret, _ := webhook.NewSecret()
	t.Setenv("MVGEN_SECRET", secret)
	out := filepath.Join(t.TempDir(), "videos")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- receive(ctx, []string{"--addr", "127.0.0.1:0", "--out", out}, io.Discard) }()
	var fi os.FileInfo
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if fi, err = os.Stat(out); err == nil || time.Now().After(deadline) {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("receive: %v", err)
	}
	if fi == nil {
		t.Fatalf("%s was not created", out)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("--out created with mode %04o, want 0700", got)
	}
}
