package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/delivery"
	"github.com/mvgen/mvgen/internal/dialect"
	"github.com/mvgen/mvgen/internal/logctx"
	"github.com/mvgen/mvgen/internal/mvgen"
)

// The jobs dialect (contract §12): kie.ai's generic jobs API, for the one
// model ai-music-api/create-music-video. A task created here is a video
// task like generate's, with Dialect set: same limits, store, renderer and
// delivery; only its record and its callback body have the jobs shape
// (internal/dialect).

// jobsCreate is the body of POST /api/v1/jobs/createTask.
type jobsCreate struct {
	Model       string          `json:"model"`
	CallBackURL string          `json:"callBackUrl"`
	Input       json.RawMessage `json:"input"`
}

// createJob is POST /api/v1/jobs/createTask.
func (h *Handler) createJob(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	if h.draining.Load() {
		h.error(w, r, mvgen.Errorf(mvgen.EUnavailable, "server is restarting for maintenance; retry in a few seconds"))
		return
	}
	var c jobsCreate
	body, err := h.decodeBody(w, r, &c)
	if err != nil {
		h.error(w, r, err)
		return
	}
	switch {
	case c.Model == "":
		err = mvgen.Errorf(mvgen.EInvalid, "model is required: mvgen serves %q through the jobs API", dialect.JobsModel)
	case c.Model != dialect.JobsModel:
		err = mvgen.Errorf(mvgen.EInvalid, "model %q is not served here: mvgen serves only %q through the jobs API", c.Model, dialect.JobsModel)
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	req, err := decodeJobsInput(c.Input)
	if err != nil && misplacedInput(body) {
		err = mvgen.Errorf(mvgen.EInvalid, "input is required: task_id and audio_id go inside input, not beside model")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	req.CallBackURL, req.Dialect = c.CallBackURL, mvgen.DialectJobs
	if err := req.ValidateAs(h.checkURL(r, h.Guard, "--callback-allow-net"), dialect.JobsFieldName); err != nil {
		h.error(w, r, err)
		return
	}
	var param bytes.Buffer
	if err := json.Compact(&param, body); err != nil {
		h.error(w, r, err)
		return
	}
	h.submit(w, r, k, req, param.String())
}

// decodeJobsInput reads the jobs request's input object: the fields of
// generate's request in snake_case (dialect.JobsInputNames). Unknown fields
// are ignored, but a near miss of a known one (taskId for task_id) is a 422
// naming it, as for generate (nearmiss.go).
func decodeJobsInput(raw json.RawMessage) (*mvgen.Request, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil, mvgen.Errorf(mvgen.EInvalid, "input is required: an object with task_id and audio_id")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, mvgen.Errorf(mvgen.EBadRequest, "input must be a JSON object with task_id and audio_id")
	}
	names := dialect.JobsInputNames()
	known := make([]string, 0, len(names))
	for snake := range names {
		known = append(known, snake)
	}
	sort.Strings(known)
	keys := make([]string, 0, len(fields))
	for key := range fields {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	renamed := map[string]json.RawMessage{}
	for _, key := range keys {
		if snake, ok := matchFold(key, known); ok {
			renamed[names[snake]] = fields[key]
			continue
		}
		if fold(key) == "callbackurl" {
			return nil, mvgen.Errorf(mvgen.EInvalid, "unknown field input.%s; callBackUrl goes beside model and input, not inside input", key)
		}
		if want, ok := didYouMean(key, known, nil); ok && !present(fields, want) {
			return nil, unknownField("input."+key, "input."+want)
		}
	}
	b, err := json.Marshal(renamed)
	if err != nil {
		return nil, err
	}
	var req mvgen.Request
	if err := json.Unmarshal(b, &req); err != nil {
		var typeErr *json.UnmarshalTypeError
		var named *mvgen.Error // a field's own decoding named it (mvgen.Renditions)
		if errors.As(err, &named) && strings.HasPrefix(named.Msg, "renditions") {
			return nil, mvgen.Errorf(named.Code, "%s%s", dialect.JobsFieldName("renditions"), strings.TrimPrefix(named.Msg, "renditions"))
		}
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			first, rest, _ := strings.Cut(typeErr.Field, ".")
			typeErr.Field = dialect.JobsFieldName(first)
			if rest != "" {
				typeErr.Field += "." + rest
			}
		}
		return nil, jsonError(err)
	}
	return &req, nil
}

// misplacedInput reports whether a body without input carries task_id or
// audio_id beside model, where they are not read.
func misplacedInput(body []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top["input"] != nil {
		return false
	}
	for k := range top {
		if f := fold(k); f == "taskid" || f == "audioid" {
			return true
		}
	}
	return false
}

// matchFold returns the known name that name spells in any case.
func matchFold(name string, known []string) (string, bool) {
	for _, k := range known {
		if strings.EqualFold(name, k) {
			return k, true
		}
	}
	return "", false
}

// jobsEnvelope is the answer of GET /api/v1/jobs/recordInfo: the jobs API
// says "message" where the rest of the API says "msg".
type jobsEnvelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// jobRecord is GET /api/v1/jobs/recordInfo?taskId=: a task of either route
// in the jobs shape.
func (h *Handler) jobRecord(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	id := r.URL.Query().Get("taskId")
	logctx.SetTask(r.Context(), id)
	if id == "" {
		h.error(w, r, mvgen.Errorf(mvgen.EInvalid, "taskId query parameter is required"))
		return
	}
	t, err := h.videoTask(r.Context(), k, id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	u := h.videoURL(t, time.Now())
	var more []string
	if u != nil {
		more = delivery.RenditionURLs(t, h.Links) // contract §6.5: resultUrls lists every video
	}
	writeJSON(w, 200, jobsEnvelope{Code: 200, Message: "success", Data: dialect.NewJobsRecord(t, u, more...)})
}

// videoURL is a fresh link to t's video, nil when it has none or its link
// has expired.
func (h *Handler) videoURL(t *mvgen.Task, now time.Time) *string {
	if t.VideoKey == "" || !now.Before(t.ExpiresAt) {
		return nil
	}
	u := h.Links.URL(t.ID, t.ExpiresAt)
	return &u
}

// jobsMessages marks a route whose errors also carry the jobs API's
// "message" beside the envelope's "msg", for clients that read either.
func jobsMessages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), jobsMessageKey{}, true)))
	})
}

type jobsMessageKey struct{}

func wantsJobsMessage(r *http.Request) bool {
	v, _ := r.Context().Value(jobsMessageKey{}).(bool)
	return v
}
