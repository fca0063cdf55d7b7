package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ssooidc/ssooidc/internal/accesslog"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// maxBody bounds every request body: the largest real request (a
// RegisterClient with scopes and redirect URIs) is well under 4 KiB.
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

// adaptPortal is adapt for the portal API, whose errors have their own
// shapes and body.
func (a *API) adaptPortal(op string, h handlerFunc) http.Handler {
	return a.adaptWith(op, h, lookupPortal, writePortalError)
}

func (a *API) adaptWith(op string, h handlerFunc, lookup func(error) (errorKind, string), write func(http.ResponseWriter, errorKind, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := accesslog.RequestID(r.Context())
		w.Header().Set(wire.HeaderRequestID, id)
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		err := a.run(h, w, r)
		status := http.StatusOK
		shape := ""
		if err != nil {
			k, msg := lookup(err)
			status, shape = k.status, k.shape
			write(w, k, msg)
			if k.level != levelQuiet {
				a.log.Log(r.Context(), k.level, "request failed", slog.String("op", op), slog.String("request_id", id),
					slog.String("error_type", shape), slog.String("error", err.Error()))
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

// decode reads a JSON object body into v whatever the Content-Type (old
// AWS CLIs send none, WIRE.md 1.1). An empty body is {}. Unknown members
// are ignored. Malformed JSON, a member of the wrong type and an oversize
// body are InvalidRequest, with a message that says which.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(v)
	switch {
	case err == nil:
		if dec.More() {
			return sso.Errorf(sso.CodeInvalidRequest, "the request body has data after the JSON object")
		}
		return nil
	case errors.Is(err, ioEOF):
		return nil
	}
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return sso.Errorf(sso.CodeInvalidRequest, "the request body is larger than %d bytes", maxBody)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return sso.Errorf(sso.CodeInvalidRequest, "the request body must be a JSON object")
		}
		return sso.Errorf(sso.CodeInvalidRequest, "member %s must not be a JSON %s", typeErr.Field, typeErr.Value)
	case errors.As(err, &synErr), errors.Is(err, ioUnexpectedEOF):
		return sso.Errorf(sso.CodeInvalidRequest, "the request body is not valid JSON")
	}
	return sso.Errorf(sso.CodeInvalidRequest, "the request body could not be read")
}

func asErr(err error, target **sso.Error) bool { return errors.As(err, target) }
