package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/webhook"
)

// rotationOverlap is how long the previous webhook secret keeps signing.
const rotationOverlap = 24 * time.Hour

func keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	case "new-secret-key":
		return newSecretKey(args, stdout, stderr) // keys_seal.go
	case "reseal":
		return reseal(ctx, args, stdout, stderr)
	case "set-brand":
		return setBrand(ctx, args, stdout, stderr) // keys_brand.go
	case "create", "list", "revoke", "rotate-secret", "set-upstream":
	default:
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("keys: unknown command %q (want create, list, revoke, rotate-secret, set-upstream, set-brand, new-secret-key or reseal)", sub)
	}
	fs := newFlags("keys "+sub, stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := keyFileFlag(fs)
	var name *string
	if sub == "create" {
		name = fs.String("name", "", "a name to recognise the key by (required)")
	}
	asJSON := new(bool)
	if sub != "revoke" && sub != "set-upstream" {
		asJSON = fs.Bool("json", false, "print JSON")
	}
	upstreamKey, clearUpstream := new(string), new(bool)
	if sub == "create" || sub == "set-upstream" {
		upstreamKey = fs.String("upstream-key", os.Getenv("MVGEN_UPSTREAM_KEY"), "the key's user's API key on the upstream Suno-compatible API, a secret (see mvgen serve --upstream-url); also MVGEN_UPSTREAM_KEY")
	}
	if sub == "set-upstream" {
		clearUpstream = fs.Bool("clear", false, "remove the key's upstream key")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if sub == "revoke" || sub == "rotate-secret" || sub == "set-upstream" {
		if len(pos) != 1 {
			return fmt.Errorf("keys %s: want one key id or name (see mvgen keys list)", sub)
		}
	} else if len(pos) != 0 {
		return fmt.Errorf("keys %s: unexpected argument %q", sub, pos[0])
	}
	if sub == "create" && *name == "" {
		return errors.New("keys create: --name is required")
	}
	key, err := secretKey(*keyFile)
	if err != nil {
		return err
	}
	s, err := server.OpenStore(ctx, server.Config{DataDir: sf.data, DB: sf.db, SecretKey: key})
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "create":
		return createKey(ctx, s, *name, *upstreamKey, *asJSON, stdout)
	case "list":
		return listKeys(ctx, s, *asJSON, stdout)
	}
	k, err := findKey(ctx, s, pos[0])
	if err != nil {
		return fmt.Errorf("keys %s: %w", sub, err)
	}
	switch sub {
	case "revoke":
		return revokeKey(ctx, s, k, stdout)
	case "set-upstream":
		return setUpstream(ctx, s, []string{k.ID}, *upstreamKey, *clearUpstream, stdout) // keys_upstream.go
	}
	return rotateSecret(ctx, s, k, sf.data, *asJSON, stdout)
}

// findKey finds a key by its id, or else by its name; a name several keys
// share must be given as an id.
func findKey(ctx context.Context, s keyStore, idOrName string) (*mvgen.Key, error) {
	ks, err := s.Keys(ctx)
	if err != nil {
		return nil, err
	}
	var named []*mvgen.Key
	for _, k := range ks {
		if k.ID == idOrName {
			return k, nil
		}
		if k.Name == idOrName {
			named = append(named, k)
		}
	}
	switch len(named) {
	case 0:
		return nil, fmt.Errorf("no key named or with id %s (see mvgen keys list)", idOrName)
	case 1:
		return named[0], nil
	}
	ids := make([]string, len(named))
	for i, k := range named {
		ids[i] = k.ID
	}
	return nil, fmt.Errorf("%d keys are named %s: give one of their ids (%s)", len(named), idOrName, strings.Join(ids, ", "))
}

func revokeKey(ctx context.Context, s keyStore, k *mvgen.Key, stdout io.Writer) error {
	if k.Revoked() {
		return fmt.Errorf("keys revoke: key %s (%s) was already revoked on %s", k.ID, k.Name, k.RevokedAt.UTC().Format(time.DateTime+" UTC"))
	}
	if err := s.RevokeKey(ctx, k.ID, time.Now()); err != nil {
		return fmt.Errorf("revoking %s: %w", k.ID, err)
	}
	fmt.Fprintf(stdout, "revoked %s (%s)\n", k.ID, k.Name)
	return nil
}

// keyStore is what the keys commands read and write.
type keyStore interface {
	CreateKey(ctx context.Context, k *mvgen.Key) error
	Keys(ctx context.Context) ([]*mvgen.Key, error)
	RevokeKey(ctx context.Context, id string, at time.Time) error
	RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error
	SetUpstreamKey(ctx context.Context, id, upstreamKey string) error
	// TaskCounts counts each key's tasks, by key id (keys list).
	TaskCounts(ctx context.Context) (map[string]int, error)
}

func createKey(ctx context.Context, s keyStore, name, upstreamKey string, asJSON bool, stdout io.Writer) error {
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	k, token := mvgen.NewKey(name, secret, time.Now())
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
	counts, err := s.TaskCounts(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if asJSON {
		out := []map[string]any{}
		for _, k := range ks {
			m := map[string]any{"id": k.ID, "name": k.Name, "createdAt": k.CreatedAt, "revoked": k.Revoked(),
				"previousSecretValidUntil": nil, "upstreamKey": k.UpstreamKey != "", "tasks": counts[k.ID]}
			if rotating(k, now) {
				m["previousSecretValidUntil"] = k.PrevSecretUntil.UTC()
			}
			out = append(out, m)
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tTASKS\tSTATUS\tUPSTREAM KEY")
	for _, k := range ks {
		status := "active"
		if k.Revoked() {
			status = "revoked " + k.RevokedAt.Format(time.DateTime)
		} else if rotating(k, now) {
			status = "active, secret rotation: the old secret signs until " + k.PrevSecretUntil.UTC().Format(time.DateTime+" UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.Format(time.DateTime), counts[k.ID], status, upstreamState(k))
	}
	return tw.Flush()
}

// rotating reports whether k's previous webhook secret still signs.
func rotating(k *mvgen.Key, now time.Time) bool {
	return !k.Revoked() && k.PrevWebhookSecret != "" && now.Before(k.PrevSecretUntil)
}

func rotateSecret(ctx context.Context, s keyStore, k *mvgen.Key, dataDir string, asJSON bool, stdout io.Writer) error {
	if k.Revoked() {
		return fmt.Errorf("keys rotate-secret: key %s (%s) was revoked on %s", k.ID, k.Name, k.RevokedAt.UTC().Format(time.DateTime+" UTC"))
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	until := time.Now().Add(rotationOverlap).UTC()
	if err := s.RotateSecret(ctx, k.ID, secret, until); err != nil {
		return fmt.Errorf("rotating the secret of %s: %w", k.ID, err)
	}
	updated, err := updateDemoKey(filepath.Join(dataDir, demoKeyFile), k.ID, secret, k.WebhookSecret, until)
	if err != nil {
		return fmt.Errorf("the secret was rotated, but %w", err)
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"id": k.ID, "webhookSecret": secret, "previousValidUntil": until.Format(time.RFC3339)})
	}
	fmt.Fprintf(stdout, "New webhook secret for %s (shown only now):\n\n  %s\n\n", k.ID, secret)
	fmt.Fprintf(stdout, "Until %s both secrets sign callbacks; switch your receiver before then.\n", until.Format(time.DateTime+" MST"))
	fmt.Fprintf(stdout, "Meanwhile accept both: MVGEN_SECRET=NEW,OLD mvgen receive … (or --secret twice).\n")
	if updated != "" {
		fmt.Fprintf(stdout, "Updated %s (webhookSecret is the new one, previousWebhookSecret the old).\n", updated)
	}
	return nil
}

// demoKeyFile is the file make run keeps its demo key in, inside --data.
const demoKeyFile = "demo-key.json"

// updateDemoKey rewrites the demo key file at path with the key's new secret
// when it holds key id, so the README's commands read the current secret.
// It returns path when it rewrote the file, "" when there is none or it
// holds another key.
func updateDemoKey(path, id, secret, previous string, until time.Time) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil || m["id"] != id {
		return "", nil
	}
	m["webhookSecret"], m["previousWebhookSecret"], m["previousValidUntil"] = secret, previous, until.Format(time.RFC3339)
	out, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("updating %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("updating %s: %w", path, err)
	}
	return path, nil
}
