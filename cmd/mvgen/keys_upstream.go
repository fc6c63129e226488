package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// setUpstream is `mvgen keys set-upstream ID --upstream-key K` and
// `mvgen keys set-upstream ID --clear` (contract §6.1). The upstream key is
// a secret: it is stored for lookups and never printed.
func setUpstream(ctx context.Context, s keyStore, pos []string, upstreamKey string, clear bool, stdout io.Writer) error {
	if len(pos) != 1 {
		return errors.New("keys set-upstream: want one key ID (see `mvgen keys list`)")
	}
	upstreamKey = strings.TrimSpace(upstreamKey)
	switch {
	case clear && upstreamKey != "":
		return errors.New("keys set-upstream: give either --upstream-key or --clear, not both")
	case !clear && upstreamKey == "":
		return errors.New("keys set-upstream: --upstream-key KEY is required (or --clear to remove it); MVGEN_UPSTREAM_KEY keeps it out of the shell history")
	}
	if err := s.SetUpstreamKey(ctx, pos[0], upstreamKey); err != nil {
		return fmt.Errorf("setting the upstream key of %s: %w", pos[0], err)
	}
	if clear {
		fmt.Fprintf(stdout, "removed the upstream key of %s\n", pos[0])
		return nil
	}
	fmt.Fprintf(stdout, "set the upstream key of %s\n", pos[0])
	return nil
}

// upstreamState is what `keys list` shows of a key's upstream key: whether
// there is one, never the key.
func upstreamState(k *mvgen.Key) string {
	if k.UpstreamKey == "" {
		return "-"
	}
	return "set"
}
