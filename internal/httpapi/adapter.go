package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/ssooidc/ssooidc/internal/accesslog"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// maxBody bounds every request body but RegisterClient's (its own, smaller
// bound is clients.MaxRegisterBody): the largest real request, a
// CreateTokenWithIAM with a JWT assertion, is a few KiB.
const maxBody = 64 << 10

// handlerFunc is a handler that returns its failure instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handlerFunc into an http.Handler: it sets the request id on
// every response, writes a returned error in the AWS error shape, and logs
// one access record at Debug (and the error at the level its table row
// names). A panic in a handler becomes an InternalServerException.
func (a *API) adapt(op string, h handlerFunc) http.Handler {
	return a.adaptWith(op, h, lookupOIDC, writeOIDCError)
}

// adaptBounded is adapt with a body bound of its own.
func (a *API) adaptBounded(op string, limit int64, h handlerFunc) http.Handler {
	return a.adaptLimited(op, limit, h, lookupOIDC, writeOIDCError)
}

// adaptPortal is adapt for the portal API, whose errors have their own
// shapes and body.
func (a *API) adaptPortal(op string, h handlerFunc) http.Handler {
	return a.adaptWith(op, h, lookupPortal, writePortalError)
}

func (a *API) adaptWith(op string, h handlerFunc, lookup func(error) (errorKind, string), write func(http.ResponseWriter, errorKind, string)) http.Handler {
	return a.adaptLimited(op, maxBody, h, lookup, write)
}

func (a *API) adaptLimited(op string, limit int64, h handlerFunc, lookup func(error) (errorKind, string), write func(http.ResponseWriter, errorKind, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := accesslog.RequestID(r.Context())
		w.Header().Set(wire.HeaderRequestID, id)
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err := a.run(h, w, r)
		if err != nil && abandoned(r, err) {
			// The client left (or never sent its whole body): nobody to
			// answer and nothing of ours failed. One debug line, never an
			// InternalServerException.
			a.log.DebugContext(r.Context(), "request abandoned", slog.String("op", op), slog.String("request_id", id),
				slog.String("error", err.Error()))
			// Should anyone still read, they hear it was their request.
			k, msg := lookup(sso.Errorf(sso.CodeInvalidRequest, "the request was abandoned before it was complete"))
			if errors.Is(err, errAbandoned) {
				k, msg = lookup(err)
			}
			write(w, k, msg)
			return
		}
		status := http.StatusOK
		shape := ""
		if err != nil {
			k, msg := lookup(err)
			status, shape = k.status, k.shape
			if n := sso.RetryAfterSeconds(err); n > 0 && sso.CodeOf(err) == sso.CodeTooManyRequests {
				w.Header().Set("Retry-After", strconv.Itoa(n))
			}
			write(w, k, msg)
			if k.level != levelQuiet {
				// The client's address (IPv6: its /64) says who is failing:
				// a limit hit, a flood of bad requests.
				a.log.Log(r.Context(), k.level, "request failed", slog.String("op", op), slog.String("request_id", id),
					slog.String("error_type", shape), slog.String("error", err.Error()),
					slog.String("client_addr", sso.AddressBucket(a.addrs.Of(r))))
			}
		}
		// The server's access log and metrics count the request under op.
		accesslog.Label(r.Context(), op, shape)
		if a.log.Enabled(r.Context(), slog.LevelDebug) {
			a.log.DebugContext(r.Context(), "request", slog.String("op", op), slog.String("request_id", id),
				slog.Int("status", status), slog.String("error_type", shape),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
		}
	})
}

// abandoned reports whether err is the client's leaving: its body ended
// early, or its connection closed and the context that carried the request
// was cancelled under a store call.
func abandoned(r *http.Request, err error) bool {
	return errors.Is(err, errAbandoned) || (r.Context().Err() != nil && errors.Is(err, context.Canceled))
}

func (a *API) run(h handlerFunc, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = &sso.Error{Code: sso.CodeInternal, Message: "panic", Err: fmt.Errorf("panic: %v", p)}
		}
	}()
	return h(w, r)
}

func writeOIDCError(w http.ResponseWriter, k errorKind, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// The header is what every client reads first (WIRE.md 3.4); __type in
	// the body serves clients that read only the body.
	h.Set(wire.HeaderErrorType, k.shape)
	w.WriteHeader(k.status)
	_ = json.NewEncoder(w).Encode(wire.OIDCError{Type: k.shape, Error: k.oauth, ErrorDescription: msg, Message: msg})
}

// writeJSON writes a 200 response with v as JSON.
func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b) // a failed write means the client has gone
	return nil
}

func asErr(err error, target **sso.Error) bool { return errors.As(err, target) }
