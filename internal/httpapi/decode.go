package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// errAbandoned marks a request whose body never fully arrived: the client
// closed the connection, or sent less than its Content-Length before the
// server's read timeout. It is the client's doing, not a failure of ours:
// the adapter logs it at debug, never as an error.
var errAbandoned = errors.New("request abandoned: the body ended before its Content-Length")

// readBody reads the whole (bounded) body. An oversize body is
// InvalidRequest; one that ends early is InvalidRequest carrying
// errAbandoned.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		return body, nil
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, sso.Errorf(sso.CodeInvalidRequest, "the request body is larger than %d bytes", maxErr.Limit)
	}
	return nil, &sso.Error{Code: sso.CodeInvalidRequest, Message: "the request body ended before its Content-Length",
		Err: fmt.Errorf("%w: %w", errAbandoned, err)}
}

// strict are the decoding options of every SSO OIDC body (WIRE.md: member
// names are exact-case): names match their struct tags exactly, a name that
// appears twice is an error, strings must be valid UTF-8, and members the
// operation does not know are ignored, as AWS ignores them.
var strict = json.JoinOptions(
	json.MatchCaseInsensitiveNames(false),
	json.RejectUnknownMembers(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decode reads a JSON object body into v (a pointer to a wire request
// struct) whatever the Content-Type (old AWS CLIs send none, WIRE.md 1.1).
// An empty body is {}. Malformed JSON, a duplicate member, a member whose
// name differs from a known one only in case, a member of the wrong type
// and an oversize body are InvalidRequest, with a message that says which.
func decode(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

// decodeBytes is decode of a body already read.
func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v, strict); err != nil {
		return decodeError(err)
	}
	return checkNameCase(body, v)
}

// decodeError turns a decoding failure into a message for the caller.
func decodeError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(err, jsontext.ErrDuplicateName):
		return sso.Errorf(sso.CodeInvalidRequest, "the request body has the member %q more than once", syn.JSONPointer.LastToken())
	case errors.As(err, &syn) && syn.ByteOffset > 0:
		return sso.Errorf(sso.CodeInvalidRequest, "the request body is not valid JSON (at byte %d)", syn.ByteOffset)
	case errors.As(err, &syn):
		return sso.Errorf(sso.CodeInvalidRequest, "the request body is not valid JSON")
	case errors.As(err, &sem):
		member := strings.TrimPrefix(string(sem.JSONPointer), "/")
		if member == "" {
			return sso.Errorf(sso.CodeInvalidRequest, "the request body must be a JSON object")
		}
		if i := strings.IndexByte(member, '/'); i >= 0 {
			member = member[:i]
		}
		return sso.Errorf(sso.CodeInvalidRequest, "member %s must not be a JSON %s", truncate(member), kindName(sem.JSONKind))
	}
	return sso.Errorf(sso.CodeInvalidRequest, "the request body is not valid JSON")
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value of that type"
}

// checkNameCase refuses a top-level member whose name differs from one the
// operation knows only in case ("clientname" for "clientName"): AWS would
// ignore it as unknown, and the caller would then hear that clientName is
// missing, which is true but no help.
func checkNameCase(body []byte, v any) error {
	known := memberNames(reflect.TypeOf(v).Elem())
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil // Unmarshal accepted it: not an object at all cannot be
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return decodeError(err)
		}
		name := tok.String()
		if !known.exact[name] {
			if want, ok := known.folded[strings.ToLower(name)]; ok {
				return sso.Errorf(sso.CodeInvalidRequest, "member names are case-sensitive: %q is not a member; did you mean %q?", truncate(name), want)
			}
		}
		if err := dec.SkipValue(); err != nil {
			return decodeError(err)
		}
	}
	return nil
}

// names are the JSON member names of a struct type, and the same names by
// their lower-case forms.
type names struct {
	exact  map[string]bool
	folded map[string]string
}

// memberNames returns the member names of struct type t, computed once per
// type.
func memberNames(t reflect.Type) names {
	if m, ok := namesByType.Load(t); ok {
		return m.(names)
	}
	m := names{exact: map[string]bool{}, folded: map[string]string{}}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		m.exact[name] = true
		m.folded[strings.ToLower(name)] = name
	}
	namesByType.Store(t, m)
	return m
}

var namesByType sync.Map // reflect.Type -> names

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
