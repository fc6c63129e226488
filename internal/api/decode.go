package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mvgen/mvgen/internal/task"
)

// decode reads a JSON object from the capped body into v. Unknown fields are
// ignored (contract §2); malformed JSON or a wrong type is EBadRequest (400)
// naming the field; a body over the cap is ETooLarge (413).
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody()))
	if err != nil {
		return bodyError("request body", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return task.Errorf(task.EBadRequest, "%s must be a JSON %s, not %s", typeErr.Field, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
		case errors.As(err, &typeErr):
			return task.Errorf(task.EBadRequest, "request body must be a JSON object, not %s", typeErr.Value)
		case errors.As(err, &syntaxErr):
			return task.Errorf(task.EBadRequest, "request body is not valid JSON: %v (at byte %d)", err, syntaxErr.Offset)
		default:
			return task.Errorf(task.EBadRequest, "request body is not valid JSON: %v", err)
		}
	}
	return nil
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
