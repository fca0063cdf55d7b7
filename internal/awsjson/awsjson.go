package awsjson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/ssooidc/ssooidc/internal/accesslog"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// MaxBody bounds a request body. The largest real request, a CreateUser
// with every attribute filled to its limit or a PutInlinePolicyToPermissionSet
// with a 32 KiB policy, is well under it.
const MaxBody = 256 << 10

// ContentType is the media type of JSON 1.1 requests and responses.
const ContentType = "application/x-amz-json-1.1"

// Op is one operation: it decodes its input from body with Decode and
// returns the output to encode (a struct with the model's member names),
// or an error (*Error, or an *sso.Error the service's table maps).
type Op func(ctx context.Context, body []byte) (any, error)

// Service is one JSON 1.1 API.
type Service struct {
	// TargetPrefix is the model's targetPrefix ("AWSIdentityStore").
	TargetPrefix string
	// SigningName is the SigV4 signing name ("identitystore").
	SigningName string
	// ActionPrefix is the IAM action prefix the policy sees ("sso" for
	// SSO Admin, whose actions are sso:CreatePermissionSet...).
	ActionPrefix string
	// Ops are the operations served, by name.
	Ops map[string]Op
	// Refused are operations of the model that are not served, with the
	// error each answers (it says why).
	Refused map[string]error
	// Errors maps a domain code to the API's error shape; codes not in it
	// are internal.
	Errors map[sso.Code]Shape
}

// Shape is an error shape of an API and the HTTP status it answers with.
type Shape struct {
	Name   string
	Status int
}

// Error is an error in an API's shape, with the model's extra members
// (ResourceNotFoundException's ResourceType and ResourceId,
// ConflictException's Reason...).
type Error struct {
	Shape   Shape
	Message string
	Fields  map[string]any
	Err     error // the cause, logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Shape.Name + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Shape.Name + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Shapes shared by the JSON 1.1 APIs and AWS's front end.
var (
	Validation      = Shape{"ValidationException", http.StatusBadRequest}
	Serialization   = Shape{"SerializationException", http.StatusBadRequest}
	UnknownOp       = Shape{"UnknownOperationException", http.StatusBadRequest}
	AccessDenied    = Shape{"AccessDeniedException", http.StatusBadRequest}
	ResourceMissing = Shape{"ResourceNotFoundException", http.StatusBadRequest}
	Conflict        = Shape{"ConflictException", http.StatusBadRequest}
	Throttling      = Shape{"ThrottlingException", http.StatusBadRequest}
	QuotaExceeded   = Shape{"ServiceQuotaExceededException", http.StatusBadRequest}
	Internal        = Shape{"InternalServerException", http.StatusInternalServerError}
)

// Errorf returns an *Error of shape with a formatted message.
func Errorf(shape Shape, format string, args ...any) *Error {
	return &Error{Shape: shape, Message: fmt.Sprintf(format, args...)}
}

// frontEnd are the shapes of SigV4 failures, answered before any
// operation runs, as AWS's front end answers them: 403 (400 for a request
// signed for another region), the message in "message".
var frontEnd = map[sso.Code]Shape{
	sso.CodeMissingAuthenticationToken: {"MissingAuthenticationTokenException", http.StatusForbidden},
	sso.CodeIncompleteSignature:        {"IncompleteSignatureException", http.StatusForbidden},
	sso.CodeInvalidSignature:           {"InvalidSignatureException", http.StatusForbidden},
	sso.CodeUnrecognizedClient:         {"UnrecognizedClientException", http.StatusForbidden},
	sso.CodeInvalidRequestRegion:       {"InvalidSignatureException", http.StatusForbidden},
}

// Verifier checks a request's SigV4 signature (*sigv4.Verifier).
type Verifier interface {
	Verify(r *http.Request, body []byte) (sigv4.Principal, error)
}

// Authorizer decides whether a principal may call an action
// (*policy.Policy).
type Authorizer interface {
	Allowed(arn, action string) bool
}

// Options configure an Adapter.
type Options struct {
	Services []*Service
	// Verifiers are the SigV4 verifiers by signing name; a service
	// without one answers that the API is not enabled.
	Verifiers map[string]Verifier
	Policy    Authorizer
	// ClientAddr returns the client address of a request, for the audit
	// trail (the server's trusted-proxy rule).
	ClientAddr func(*http.Request) string
	Logger     *slog.Logger
}

// Adapter serves JSON 1.1 APIs. It is an http.Handler for POST /.
type Adapter struct {
	opts     Options
	byPrefix map[string]*Service
	log      *slog.Logger
}

// New returns an Adapter.
func New(opts Options) *Adapter {
	a := &Adapter{opts: opts, byPrefix: map[string]*Service{}, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	for _, s := range opts.Services {
		a.byPrefix[s.TargetPrefix] = s
	}
	return a
}

// Handles reports whether r is a JSON 1.1 request for this adapter: it
// names a target in X-Amz-Target.
func Handles(r *http.Request) bool { return r.Header.Get("X-Amz-Target") != "" }

// ServeHTTP serves one request.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := accesslog.RequestID(r.Context())
	w.Header().Set("x-amzn-RequestId", id)
	op, svc, err := a.serve(w, r, id)
	shape := ""
	if err != nil {
		shape = a.writeError(w, r, svc, op, id, err)
	}
	// The server's access log and metrics count the request under op:
	// "Service.Op" of the table, or "unknown", never the header as sent.
	accesslog.Label(r.Context(), op, shape)
}

// serve runs the request and writes a success; it returns the operation
// ("Prefix.Op", or "unknown"), its service and any error to write.
func (a *Adapter) serve(w http.ResponseWriter, r *http.Request, id string) (string, *Service, error) {
	target := r.Header.Get("X-Amz-Target")
	prefix, name, ok := strings.Cut(target, ".")
	svc := a.byPrefix[prefix]
	if !ok || svc == nil || name == "" {
		return "unknown", nil, Errorf(UnknownOp, "The operation %q is not an operation this endpoint serves.", clip(target))
	}
	opName := prefix + "." + name
	op, served := svc.Ops[name]
	refused, known := svc.Refused[name]
	if !served && !known {
		return "unknown", svc, Errorf(UnknownOp, "%s is not an operation of %s.", clip(name), prefix)
	}
	if r.Method != http.MethodPost {
		return opName, svc, Errorf(Serialization, "JSON 1.1 operations are called with POST.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return opName, svc, Errorf(Serialization, "The request body is larger than %d bytes.", MaxBody)
		}
		return opName, svc, &Error{Shape: Serialization, Message: "The request body could not be read.", Err: errAbandoned{err}}
	}
	v := a.opts.Verifiers[svc.SigningName]
	if v == nil {
		return opName, svc, Errorf(AccessDenied, "The %s API is not enabled on this server: configure iam.principals with an allow list.", prefix)
	}
	caller, err := v.Verify(r, body)
	if err != nil {
		return opName, svc, err
	}
	action := svc.ActionPrefix + ":" + name
	if !a.opts.Policy.Allowed(caller.ARN, action) {
		return opName, svc, Errorf(AccessDenied, "User: %s is not authorized to perform: %s", caller.ARN, action)
	}
	if !served {
		return opName, svc, refused
	}
	ctx := sso.WithActor(r.Context(), sso.Actor{Type: sso.ActorIAM, ID: caller.ARN})
	if a.opts.ClientAddr != nil {
		ctx = sso.WithAddress(ctx, a.opts.ClientAddr(r))
	}
	out, err := run(ctx, op, body)
	if err != nil {
		return opName, svc, err
	}
	b, err := json.Marshal(out, json.Deterministic(true))
	if err != nil {
		return opName, svc, fmt.Errorf("encoding the output: %w", err)
	}
	w.Header().Set("Content-Type", ContentType)
	_, _ = w.Write(b) // a failed write means the client has gone
	return opName, svc, nil
}

// run calls op, turning a panic into an internal error.
func run(ctx context.Context, op Op, body []byte) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return op(ctx, body)
}

// errAbandoned marks a request whose client went away mid-body.
type errAbandoned struct{ err error }

func (e errAbandoned) Error() string { return "abandoned: " + e.err.Error() }

// internalMessage is all a client learns of an internal failure.
const internalMessage = "An internal error occurred. Try again later."

// writeError writes err in its shape and logs it; it returns the shape.
func (a *Adapter) writeError(w http.ResponseWriter, r *http.Request, svc *Service, op, id string, err error) string {
	e, front := a.lookup(svc, err)
	level := slog.LevelDebug
	switch {
	case e.Shape == Internal:
		level = slog.LevelError
		var ab errAbandoned
		if errors.As(err, &ab) {
			level = slog.LevelDebug
		}
	case front || e.Shape == AccessDenied:
		level = slog.LevelInfo
	}
	a.log.Log(r.Context(), level, "request failed", slog.String("op", op), slog.String("request_id", id),
		slog.String("error_type", e.Shape.Name), slog.String("error", err.Error()))
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", e.Shape.Name)
	body := map[string]any{"__type": e.Shape.Name}
	if front {
		body["message"] = e.Message
	} else {
		body["Message"] = e.Message
		for k, v := range e.Fields {
			body[k] = v
		}
	}
	b, _ := json.Marshal(body, json.Deterministic(true))
	w.WriteHeader(e.Shape.Status)
	_, _ = w.Write(b)
	return e.Shape.Name
}

// lookup finds the shape and client-safe message of err, and whether it
// is a front-end (signature) error.
func (a *Adapter) lookup(svc *Service, err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, false
	}
	var se *sso.Error
	if errors.As(err, &se) {
		if s, ok := frontEnd[se.Code]; ok {
			return &Error{Shape: s, Message: se.Message}, true
		}
		if svc != nil {
			if s, ok := svc.Errors[se.Code]; ok && se.Code != sso.CodeInternal {
				return &Error{Shape: s, Message: se.Message}, false
			}
		}
	}
	return &Error{Shape: Internal, Message: internalMessage}, false
}

// Decode reads the JSON object body into v strictly: member names match
// exactly (case-sensitive), a name given twice is refused, unknown
// members are ignored (as AWS ignores them), an empty body is {}. Any
// failure is a SerializationException that says what is wrong.
func Decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		if p := se.JSONPointer; p != "" {
			return Errorf(Serialization, "Member %s has the wrong type: %s.", strings.TrimPrefix(string(p), "/"), typeWord(se))
		}
		return Errorf(Serialization, "The request body must be a JSON object.")
	case errors.As(err, &syn):
		if strings.Contains(syn.Error(), "duplicate") {
			return Errorf(Serialization, "The request body names a member twice (%s).", strings.TrimPrefix(string(syn.JSONPointer), "/"))
		}
		return Errorf(Serialization, "The request body is not valid JSON.")
	}
	return Errorf(Serialization, "The request body could not be read as JSON.")
}

func typeWord(se *json.SemanticError) string {
	if se.GoType != nil {
		switch se.GoType.Kind().String() {
		case "string":
			return "expected a string"
		case "bool":
			return "expected a boolean"
		case "slice":
			return "expected a list"
		case "struct", "map", "ptr":
			return "expected an object"
		case "int", "int32", "int64", "float64":
			return "expected a number"
		}
	}
	return "unexpected value"
}

// clip bounds what a message quotes of client input.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// Time is a timestamp as JSON 1.1 sends it: epoch seconds, as a number
// with a fractional part for milliseconds.
type Time time.Time

// MarshalJSON writes epoch seconds.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	if ms%1000 == 0 {
		return []byte(fmt.Sprintf("%d", ms/1000)), nil
	}
	return []byte(fmt.Sprintf("%.3f", float64(ms)/1000)), nil
}

// UnmarshalJSON reads epoch seconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("not a time")
	}
	*t = Time(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}
