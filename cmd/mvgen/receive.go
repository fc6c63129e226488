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
	"time"

	"github.com/mvgen/mvgen/internal/receiver"
)

func receive(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("receive", stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	var secrets multiFlag
	fs.Var(&secrets, "secret", "webhook secret (whsec_…) from `mvgen keys create`; repeat during a rotation")
	out := fs.String("out", ".", "directory to save videos in")
	legacy := fs.Bool("legacy", false, "verify the legacy X-Webhook-Signature scheme instead of Standard Webhooks")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if len(secrets) == 0 {
		return errors.New("receive: --secret is required (the webhookSecret printed by `mvgen keys create`)")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	rcv := &receiver.Receiver{Secrets: secrets, Legacy: *legacy, Dir: *out, Logger: log}
	if err := rcv.Validate(); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("receive: listening on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: rcv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("receiving callbacks", "url", "http://"+ln.Addr().String()+"/", "saving to", *out)
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
