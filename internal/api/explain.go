package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
)

// There are two kinds of taskId: a music task's (POST /api/v1/tracks, which
// holds tracks with their audioIds) and a video task's (POST
// /api/v1/mp4/generate). When a lookup fails because the caller used one for
// the other, or swapped taskId and audioId, the answer says so instead of a
// bare "not found". These lookups run only on the error path.

// videoTask is Store.Task with an explained miss.
func (h *Handler) videoTask(ctx context.Context, k *mvgen.Key, id string) (*mvgen.Task, error) {
	t, err := h.Store.Task(ctx, k.ID, id)
	if !errors.Is(err, mvgen.ErrNotFound) {
		return t, err
	}
	tracks, terr := h.Store.Tracks(ctx, k.ID, id)
	if terr != nil {
		return nil, terr
	}
	if len(tracks) > 0 {
		return nil, mvgen.Errorf(mvgen.ENotFound, "taskId %s is a music task (a track upload), not a video task: "+
			"use the taskId that /api/v1/mp4/generate returned", id)
	}
	return nil, mvgen.Errorf(mvgen.ENotFound, "no video task with taskId %q for this API key", id)
}

// sourceTrack is Store.Track for a generate request, with an explained
// miss: taskId and audioId swapped, or a video task's id given as taskId.
func (h *Handler) sourceTrack(ctx context.Context, k *mvgen.Key, req *mvgen.Request) (*mvgen.Track, error) {
	tr, err := h.Store.Track(ctx, k.ID, req.TaskID, req.AudioID)
	if !errors.Is(err, mvgen.ErrNotFound) {
		return tr, err
	}
	if h.Upstream != nil && k.UpstreamKey != "" {
		return h.Upstream.Import(ctx, k, req.TaskID, req.AudioID) // upstream.go
	}
	if _, err := h.Store.Track(ctx, k.ID, req.AudioID, req.TaskID); err == nil {
		return nil, mvgen.Errorf(mvgen.ENotFound, "taskId and audioId are swapped: send taskId %q (the music task) "+
			"and audioId %q (its track), as POST /api/v1/tracks returned them", req.AudioID, req.TaskID)
	} else if !errors.Is(err, mvgen.ErrNotFound) {
		return nil, err
	}
	if _, err := h.Store.Task(ctx, k.ID, req.TaskID); err == nil {
		return nil, mvgen.Errorf(mvgen.ENotFound, "taskId %s is a video task: generate takes the music task's taskId "+
			"and audioId that POST /api/v1/tracks returned", req.TaskID)
	} else if !errors.Is(err, mvgen.ErrNotFound) {
		return nil, err
	}
	return nil, mvgen.Errorf(mvgen.ENotFound, "no track with audioId %q in taskId %q (register it with POST /api/v1/tracks)",
		req.AudioID, req.TaskID)
}

// checkURL is g.CheckURL for a URL in a request. A URL refused for its
// address class is logged at info (the operator sees why a client's
// callbacks never come) and its message names the flag (flag) with which
// the operator can allow it.
func (h *Handler) checkURL(r *http.Request, g *netguard.Guard, flag string) func(string) error {
	return func(u string) error {
		err := g.CheckURL(u)
		var blocked *netguard.BlockedError
		if errors.As(err, &blocked) {
			h.Logger.Info("refused a URL in a request: its address class is blocked", "path", r.URL.Path,
				"host", blocked.Addr, "class", blocked.Class, "allow", "mvgen serve "+flag+" CIDR")
			return fmt.Errorf("%w (the server's operator can allow that network with mvgen serve %s CIDR)", err, flag)
		}
		return err
	}
}
