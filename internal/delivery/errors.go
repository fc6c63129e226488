package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/mvgen/mvgen/internal/netguard"
)

// answerError is a failed attempt whose message mvgen wrote itself from
// the receiver's answer ("receiver answered 500 …"): safe to show as is.
type answerError struct{ msg string }

func (e *answerError) Error() string { return e.msg }

func answerErrorf(format string, args ...any) error {
	return &answerError{msg: fmt.Sprintf(format, args...)}
}

// ErrTextNoSuchHost is the attempt log's error for a receiver whose host
// name does not exist.
const ErrTextNoSuchHost = "DNS: the receiver's host name does not exist"

// Lasting reports whether a failed attempt, as describe wrote its error,
// failed for a reason that retrying will not cure by itself: a host name
// that does not exist, an address mvgen does not call, a certificate that is
// not valid. Retries go on (the operator or the receiver may fix it), but
// record-info says so after the first attempt rather than after the
// schedule's 33 hours.
func Lasting(described string) bool {
	return described == ErrTextNoSuchHost || strings.HasPrefix(described, "refused: ") ||
		(strings.HasPrefix(described, "TLS error: the receiver's certificate"))
}

// describe is what the attempt log and record-info show of a failed
// attempt: the class of the failure in words a user can act on, never the
// server's own dial details (addresses a name resolved to, local ports),
// which stay in the server log. timeout is the receiver's time to answer.
func describe(err error, timeout time.Duration) string {
	var (
		answer   *answerError
		blocked  *netguard.BlockedError
		dns      *net.DNSError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		netErr   net.Error
	)
	switch {
	case errors.As(err, &answer):
		return answer.msg
	case errors.As(err, &blocked):
		return fmt.Sprintf("refused: the receiver's address is %s, which mvgen does not call (the operator can open a network with --callback-allow-net)", blocked.Class)
	case errors.Is(err, netguard.ErrBlocked):
		return "refused: the receiver's address is not one mvgen calls (the operator can open a network with --callback-allow-net)"
	case errors.As(err, &dns) && dns.IsNotFound:
		return ErrTextNoSuchHost
	case errors.As(err, &dns):
		return "DNS: looking up the receiver's host name failed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("timeout: no answer within %v", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the receiver"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the receiver's network is unreachable"
	case errors.As(err, &unknown):
		return "TLS error: the receiver's certificate is not signed by a trusted authority"
	case errors.As(err, &hostname):
		return "TLS error: the receiver's certificate is not valid for its host name"
	case errors.As(err, &invalid), errors.As(err, &verify):
		return "TLS error: the receiver's certificate is invalid or expired"
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "TLS error: the receiver did not answer TLS (is the URL http rather than https?)"
	case errors.As(err, &alert):
		return "TLS error: the receiver refused the handshake"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the receiver closed the connection without answering"
	case errors.Is(err, context.Canceled):
		return "cancelled: the server was shutting down; the attempt is made again"
	}
	return "network error (the details are in the server's log)"
}
