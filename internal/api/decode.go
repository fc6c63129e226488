package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// decode reads a JSON object from the capped body into v. Unknown fields are
// ignored (contract §2) unless they are a near miss of one of v's fields,
// which is EInvalid (422, nearmiss.go); malformed JSON or a wrong type is
// EBadRequest (400) naming the field, with a hint when the body was not sent
// as JSON; a body over the cap is ETooLarge (413).
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := h.decodeBody(w, r, v)
	return err
}

// decodeBody is decode that also returns the body as read.
func (h *Handler) decodeBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody()))
	if err != nil {
		return nil, bodyError("request body", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, withJSONHint(r, jsonError(err))
	}
	// encoding/json takes invalid UTF-8 in a string and replaces it with
	// U+FFFD, so "Jos\xe9" (Latin-1) was drawn as "Jos�"; a multipart field
	// answers 422 for the same bytes.
	if !utf8.Valid(body) {
		return nil, mvgen.Errorf(mvgen.EInvalid, "request body is not valid UTF-8 (at byte %d); send JSON text as UTF-8", invalidUTF8At(body))
	}
	return body, checkNearMisses(body, v, aliasesOf(v))
}

// jsonError names what is wrong with a body encoding/json refused.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var domainErr *mvgen.Error
	switch {
	case errors.As(err, &domainErr):
		return domainErr // a field's own decoding named it (mvgen.Renditions)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return mvgen.Errorf(mvgen.EBadRequest, "%s must be a JSON %s, not %s", typeErr.Field, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &typeErr):
		return mvgen.Errorf(mvgen.EBadRequest, "request body must be a JSON object, not %s", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return mvgen.Errorf(mvgen.EBadRequest, "request body is not valid JSON: %v (at byte %d)", err, syntaxErr.Offset)
	default:
		return mvgen.Errorf(mvgen.EBadRequest, "request body is not valid JSON: %v", err)
	}
}

// withJSONHint adds what to do to a body error when the request did not say
// it was JSON (curl -d sends application/x-www-form-urlencoded).
func withJSONHint(r *http.Request, err error) error {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") {
		return err
	}
	got := mediaType
	if got == "" {
		got = "none"
	}
	var e *mvgen.Error
	if !errors.As(err, &e) {
		return err
	}
	return mvgen.Errorf(e.Code, "%s; send Content-Type: application/json (got %s) with a JSON object", e.Msg, got)
}

// invalidUTF8At is the offset of the first byte of b that is not valid
// UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return fmt.Sprint(kind)
}
