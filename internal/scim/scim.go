package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Prefix is where SCIM is served.
const Prefix = "/scim/v2"

// Media types: SCIM's own, and plain JSON, which clients also send.
const (
	mediaType = "application/scim+json"
	maxBody   = 1 << 20
)

// Schema URNs (RFC 7643 §8.7, RFC 7644 §3.5.2, §3.12).
const (
	schemaUser      = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup     = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaList      = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaPatch     = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaError     = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaSPConfig  = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResType   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema    = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	schemaEnterpris = directory.EnterpriseSchema
)

// Options configure a Handler.
type Options struct {
	Directory *directory.Service
	Tokens    *Tokens
	// BaseURL is the server's public URL; resources' meta.location is
	// under it.
	BaseURL string
	// IdentityStoreID names the issuer of SCIM's externalId among a
	// user's or group's external IDs (Issuer).
	IdentityStoreID string
	// ClientAddr returns a request's client address for the audit trail.
	ClientAddr func(*http.Request) string
	Logger     *slog.Logger
	Now        func() time.Time
}

// Handler serves SCIM.
type Handler struct {
	dir    *directory.Service
	tokens *Tokens
	base   string
	issuer string
	addr   func(*http.Request) string
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Handler.
func New(o Options) *Handler {
	h := &Handler{dir: o.Directory, tokens: o.Tokens, base: strings.TrimRight(o.BaseURL, "/") + Prefix,
		issuer: Issuer(o.IdentityStoreID), addr: o.ClientAddr, log: o.Logger, now: o.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// Issuer is the issuer under which a resource's SCIM externalId is kept
// among its external IDs: the one the Identity Store API shows and
// GetUserId finds (as Identity Center shows SCIM-provisioned users).
func Issuer(identityStoreID string) string {
	return "https://scim.aws.com/" + strings.TrimPrefix(identityStoreID, "d-")
}

// Routes mounts every SCIM route on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	for pattern, f := range map[string]func(context.Context, *http.Request) (int, any, error){
		"GET " + Prefix + "/ServiceProviderConfig": h.serviceProviderConfig,
		"GET " + Prefix + "/Schemas":               h.schemas,
		"GET " + Prefix + "/Schemas/{id}":          h.schema,
		"GET " + Prefix + "/ResourceTypes":         h.resourceTypes,
		"GET " + Prefix + "/ResourceTypes/{id}":    h.resourceType,
		"POST " + Prefix + "/Users":                h.createUser,
		"GET " + Prefix + "/Users":                 h.listUsers,
		"GET " + Prefix + "/Users/{id}":            h.getUser,
		"PUT " + Prefix + "/Users/{id}":            h.putUser,
		"PATCH " + Prefix + "/Users/{id}":          h.patchUser,
		"DELETE " + Prefix + "/Users/{id}":         h.deleteUser,
		"POST " + Prefix + "/Groups":               h.createGroup,
		"GET " + Prefix + "/Groups":                h.listGroups,
		"GET " + Prefix + "/Groups/{id}":           h.getGroup,
		"PATCH " + Prefix + "/Groups/{id}":         h.patchGroup,
		"DELETE " + Prefix + "/Groups/{id}":        h.deleteGroup,
	} {
		mux.Handle(pattern, h.serve(f))
	}
	// Everything else under the prefix is a SCIM 404 or 405, not the
	// AWS APIs' error shape.
	mux.Handle(Prefix+"/", h.serve(func(_ context.Context, r *http.Request) (int, any, error) {
		if known(r.URL.Path) {
			return 0, nil, scimErr(http.StatusMethodNotAllowed, "", "%s is not supported on %s.", r.Method, r.URL.Path)
		}
		return 0, nil, scimErr(http.StatusNotFound, "", "There is no SCIM endpoint at %s (Bulk, Me and .search are not supported).", clip(r.URL.Path))
	}))
}

// known reports whether path is a SCIM endpoint served with some method.
func known(path string) bool {
	rest := strings.TrimPrefix(path, Prefix+"/")
	first, _, _ := strings.Cut(rest, "/")
	switch first {
	case "ServiceProviderConfig", "Schemas", "ResourceTypes", "Users", "Groups":
		return true
	}
	return false
}

// Error is a SCIM error (RFC 7644 §3.12): an HTTP status, a scimType
// for 400s and a detail for the person reading the client's log.
type Error struct {
	Status   int
	SCIMType string
	Detail   string
	Err      error // the cause, logged, never sent
}

func (e *Error) Error() string { return fmt.Sprintf("scim %d %s: %s", e.Status, e.SCIMType, e.Detail) }
func (e *Error) Unwrap() error { return e.Err }

func scimErr(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, SCIMType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// toSCIM maps an error to its SCIM form: the directory's codes to their
// statuses, anything else to a 500 that says nothing.
func toSCIM(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *sso.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sso.CodeInvalidRequest:
			t := "invalidValue"
			if errors.Is(err, directory.ErrNoAttribute) {
				t = "invalidPath"
			}
			return &Error{Status: http.StatusBadRequest, SCIMType: t, Detail: se.Message}
		case sso.CodeResourceNotFound:
			return &Error{Status: http.StatusNotFound, Detail: se.Message}
		case sso.CodeConflict:
			return &Error{Status: http.StatusConflict, SCIMType: "uniqueness", Detail: se.Message}
		}
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "An internal error occurred. Try again later.", Err: err}
}

// serve adapts a handler: bounds the body, authenticates, puts the actor
// and address in the context, writes the answer or the error, logs.
func (h *Handler) serve(f func(context.Context, *http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		status, out, err := h.run(f, r)
		if err != nil {
			e := toSCIM(err)
			level := slog.LevelDebug
			if e.Status >= 500 {
				level = slog.LevelError
			}
			h.log.Log(r.Context(), level, "scim request failed", slog.String("method", r.Method), slog.String("path", clip(r.URL.Path)),
				slog.Int("status", e.Status), slog.String("error", err.Error()))
			if e.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
			}
			status, out = e.Status, errorBody(e)
		} else {
			h.log.Debug("scim request", slog.String("method", r.Method), slog.String("path", clip(r.URL.Path)),
				slog.Int("status", status), slog.Duration("duration", time.Since(start)))
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		b, _ := json.Marshal(out)
		w.Header().Set("Content-Type", mediaType)
		w.WriteHeader(status)
		_, _ = w.Write(b) // a failed write means the client has gone
	})
}

// run authenticates r and runs f, turning a panic into an internal error.
func (h *Handler) run(f func(context.Context, *http.Request) (int, any, error), r *http.Request) (status int, out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return 0, nil, scimErr(http.StatusUnauthorized, "", "A bearer token is required (Authorization: Bearer ...).")
	}
	tok, err := h.tokens.Authenticate(r.Context(), strings.TrimSpace(bearer))
	if errors.Is(err, errBadToken) {
		return 0, nil, scimErr(http.StatusUnauthorized, "", "The bearer token is not valid: it is unknown, expired or revoked.")
	}
	if err != nil {
		return 0, nil, err
	}
	ctx := sso.WithActor(r.Context(), sso.Actor{Type: sso.ActorSCIM, ID: tok.ID})
	if h.addr != nil {
		ctx = sso.WithAddress(ctx, h.addr(r))
	}
	return f(ctx, r)
}

func errorBody(e *Error) map[string]any {
	b := map[string]any{"schemas": []string{schemaError}, "status": fmt.Sprint(e.Status), "detail": e.Detail}
	if e.SCIMType != "" {
		b["scimType"] = e.SCIMType
	}
	return b
}

// readJSON decodes the request body, a JSON object, into v.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return scimErr(http.StatusRequestEntityTooLarge, "tooLarge", "The request body is larger than %d bytes.", maxBody)
		}
		return scimErr(http.StatusBadRequest, "invalidSyntax", "The request body could not be read.")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return scimErr(http.StatusBadRequest, "invalidValue", "The attribute %s has the wrong type.", clip(te.Field))
		}
		return scimErr(http.StatusBadRequest, "invalidSyntax", "The request body is not a JSON object.")
	}
	return nil
}

// clip bounds what a message repeats of client input.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}
