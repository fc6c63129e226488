package receiver

import (
	"fmt"
	"net/http"
	"strings"
)

// refusalRecorder notes the status and the short plain-text reason the
// signature check answered with, so that the receiver can log each refused
// callback (the sender only sees a 401; the receiver's operator should too).
type refusalRecorder struct {
	http.ResponseWriter
	status int
	reason strings.Builder
}

func (w *refusalRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *refusalRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && w.reason.Len() < 200 {
		w.reason.Write(b[:min(len(b), 200-w.reason.Len())])
	}
	return w.ResponseWriter.Write(b)
}

// logRefusal logs a callback the signature check refused, with the reason
// and what to check.
func (r *Receiver) logRefusal(req *http.Request, status int, reason string) {
	reason = strings.TrimSpace(reason)
	hint := ""
	if status == http.StatusUnauthorized {
		hint = "; check that the secret is the key's current webhookSecret (during a rotation give both: MVGEN_SECRET=NEW,OLD)"
	}
	r.log.Warn(fmt.Sprintf("callback from %s refused with %d: %s%s", req.RemoteAddr, status, reason, hint))
}
