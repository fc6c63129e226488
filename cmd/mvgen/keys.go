package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/internal/task"
	"github.com/mvgen/mvgen/webhook"
)

// rotationOverlap is how long the previous webhook secret keeps signing.
const rotationOverlap = 24 * time.Hour

func keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: want create, list, revoke ID, rotate-secret ID or set-upstream ID")
	}
	sub, args := args[0], args[1:]
	fs := newFlags("keys "+sub, stderr)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("name", "", "a name to recognise the key by (create)")
	asJSON := fs.Bool("json", false, "print JSON")
	upstreamKey := fs.String("upstream-key", "", "the key's user's API key on the upstream Suno-compatible API, a secret (create, set-upstream; see mvgen serve --upstream-url)")
	clearUpstream := fs.Bool("clear", false, "remove the key's upstream key (set-upstream)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	s, err := server.OpenStore(ctx, server.Config{DataDir: sf.data, DB: sf.db})
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "create":
		if *name == "" {
			return errors.New("keys create: --name is required")
		}
		return createKey(ctx, s, *name, *upstreamKey, *asJSON, stdout)
	case "list":
		return listKeys(ctx, s, *asJSON, stdout)
	case "set-upstream":
		return setUpstream(ctx, s, pos, *upstreamKey, *clearUpstream, stdout) // keys_upstream.go
	case "revoke", "rotate-secret":
		if len(pos) != 1 {
			return fmt.Errorf("keys %s: want one key ID (see `mvgen keys list`)", sub)
		}
		if sub == "revoke" {
			if err := s.RevokeKey(ctx, pos[0], time.Now()); err != nil {
				return fmt.Errorf("revoking %s: %w", pos[0], err)
			}
			fmt.Fprintf(stdout, "revoked %s\n", pos[0])
			return nil
		}
		return rotateSecret(ctx, s, pos[0], *asJSON, stdout)
	}
	return fmt.Errorf("keys: unknown command %q (want create, list, revoke, rotate-secret or set-upstream)", sub)
}

// keyStore is what the keys commands read and write.
type keyStore interface {
	CreateKey(ctx context.Context, k *task.Key) error
	Keys(ctx context.Context) ([]*task.Key, error)
	RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error
	SetUpstreamKey(ctx context.Context, id, upstreamKey string) error
}

func createKey(ctx context.Context, s keyStore, name, upstreamKey string, asJSON bool, stdout io.Writer) error {
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	k, token := task.NewKey(name, secret, time.Now())
	k.UpstreamKey = strings.TrimSpace(upstreamKey)
	if err := s.CreateKey(ctx, k); err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"id": k.ID, "apiKey": token, "webhookSecret": secret})
	}
	fmt.Fprintf(stdout, "Key %s (%s) created. Both values are shown only now:\n\n", k.ID, name)
	fmt.Fprintf(stdout, "  API key:        %s\n  Webhook secret: %s\n\n", token, secret)
	fmt.Fprintf(stdout, "Send the API key as 'Authorization: Bearer <key>'; verify callbacks with the secret.\n")
	if k.UpstreamKey != "" {
		fmt.Fprintf(stdout, "Its upstream key is set: generate looks up tracks on the server's --upstream-url.\n")
	}
	return nil
}

func listKeys(ctx context.Context, s keyStore, asJSON bool, stdout io.Writer) error {
	ks, err := s.Keys(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := []map[string]any{}
		for _, k := range ks {
			out = append(out, map[string]any{"id": k.ID, "name": k.Name, "createdAt": k.CreatedAt, "revoked": k.Revoked(),
				"upstreamKey": k.UpstreamKey != ""})
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tSTATUS\tUPSTREAM KEY")
	for _, k := range ks {
		status := "active"
		if k.Revoked() {
			status = "revoked " + k.RevokedAt.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.Format(time.DateTime), status, upstreamState(k))
	}
	return tw.Flush()
}

func rotateSecret(ctx context.Context, s keyStore, id string, asJSON bool, stdout io.Writer) error {
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	until := time.Now().Add(rotationOverlap).UTC()
	if err := s.RotateSecret(ctx, id, secret, until); err != nil {
		return fmt.Errorf("rotating the secret of %s: %w", id, err)
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"id": id, "webhookSecret": secret, "previousValidUntil": until.Format(time.RFC3339)})
	}
	fmt.Fprintf(stdout, "New webhook secret for %s (shown only now):\n\n  %s\n\n", id, secret)
	fmt.Fprintf(stdout, "Until %s both secrets sign callbacks; switch your receiver before then.\n", until.Format(time.DateTime+" MST"))
	return nil
}
