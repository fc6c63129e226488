package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/receiver"
)

func receive(ctx context.Context, args []string, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	rcv, addr, err := receiveConfig(args, stderr)
	if err != nil {
		return err
	}
	rcv.Logger = log
	// Private, like every file the receiver writes in it; an existing
	// directory keeps its mode (the receiver logs it if others may enter).
	if err := os.MkdirAll(rcv.Dir, 0o700); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("receive: listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: rcv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("receiving callbacks", "url", "http://"+ln.Addr().String()+"/", "saving to", rcv.Dir)
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Downloads in progress keep their partial files; a redelivery resumes them.
	return rcv.Close()
}

// receiveConfig reads `mvgen receive`'s flags into a validated Receiver and
// the listen address. The secret comes from --secret, MVGEN_SECRET (both
// comma-separated lists; the environment keeps it out of `ps`) or
// --secret-file (one secret a line).
func receiveConfig(args []string, stderr io.Writer) (*receiver.Receiver, string, error) {
	fs := newFlags("receive", stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	var secrets, origins, redirects multiFlag
	fs.Var(&secrets, "secret", "webhook secret `whsec_…` (the webhookSecret of mvgen keys create); repeat it during a rotation "+
		"to accept the new and the old secret. Visible in ps: prefer MVGEN_SECRET (NEW,OLD) or --secret-file")
	secretFile := fs.String("secret-file", "", "file holding the webhook secret(s), one a line")
	out := fs.String("out", ".", "directory to save videos in; created 0700 when missing (files in it are 0600)")
	legacy := fs.Bool("legacy", false, "verify the legacy X-Webhook-Signature scheme instead of Standard Webhooks (needs --video-origin)")
	fs.Var(&origins, "video-origin", "origin video_url must point at, e.g. https://mvgen.example.com (mvgen's --public-url); "+
		"repeatable. Default: the first callback's origin, kept in "+receiver.StateFile)
	fs.Var(&redirects, "redirect-origin", "origin a download may be redirected to besides the video origin, "+
		"e.g. the S3 endpoint when mvgen stores videos on S3; repeatable")
	replace := fs.Bool("replace", false, "let a later callback replace a task's saved video")
	maxBytes := fs.Int64("max-video-bytes", receiver.DefaultMaxBytes, "largest video downloaded")
	blockInternal := fs.Bool("block-internal", false, "refuse downloads from loopback, private and other internal addresses")
	if _, err := parse(fs, args); err != nil {
		return nil, "", err
	}
	if *secretFile != "" {
		data, err := os.ReadFile(*secretFile)
		if err != nil {
			return nil, "", fmt.Errorf("receive: reading --secret-file: %w", err)
		}
		for line := range strings.Lines(string(data)) {
			if s := strings.TrimSpace(line); s != "" {
				secrets = append(secrets, s)
			}
		}
	}
	if len(secrets) == 0 {
		return nil, "", errors.New("receive: a secret is required: MVGEN_SECRET, --secret-file or --secret " +
			"(the webhookSecret printed by mvgen keys create; for make run: mvgen-data/demo-key.json)")
	}
	rcv := &receiver.Receiver{Secrets: secrets, Legacy: *legacy, Dir: *out, VideoOrigins: origins,
		RedirectOrigins: redirects, Replace: *replace, MaxBytes: *maxBytes}
	if *blockInternal {
		rcv.Guard = &netguard.Guard{}
	}
	if err := rcv.Validate(); err != nil {
		return nil, "", fmt.Errorf("receive: %w", err)
	}
	return rcv, *addr, nil
}
