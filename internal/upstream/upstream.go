package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Kinds of upstream, as the config file names them and as sign-in methods
// are recorded ("oidc:ID", "saml:ID").
const (
	KindOIDC = "oidc"
	KindSAML = "saml"
)

// Identity is who an upstream identity provider says a person is, once its
// connector has verified the answer.
type Identity struct {
	// Issuer is the provider's own name for itself: the OIDC issuer URL or
	// the SAML IdP's entity ID. With Subject it is the person's external
	// ID, so two configured providers that are one IdP know the same
	// people.
	Issuer string `json:"iss"`
	// Subject is the person's identifier at Issuer: stable and unique
	// there (OIDC sub, a SAML persistent NameID or a configured attribute).
	Subject     string `json:"sub"`
	UserName    string `json:"name,omitempty"`
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"display,omitempty"`
	// Groups are the names of the groups the provider says the person is
	// in. When GroupsManaged is false the provider is not configured to say,
	// and the person's groups are left as they are.
	Groups        []string `json:"groups,omitempty"`
	GroupsManaged bool     `json:"managed,omitempty"`
}

// Request is one sign-in's secrets. State goes out to the provider and
// comes back (OIDC state, SAML RelayState); Nonce (OIDC Core 3.1.2.1) and
// Verifier (the PKCE code verifier, RFC 7636 section 4.1) are derived from
// it with the server key, so the store holds none of them.
type Request struct {
	State    string
	Nonce    string
	Verifier string
}

// Connector is an upstream identity provider.
type Connector interface {
	// Kind is KindOIDC or KindSAML.
	Kind() string
}

// CallbackConnector signs a person in with a redirect to the provider and
// a redirect back with the answer in the query: OpenID Connect's
// authorization code flow.
type CallbackConnector interface {
	Connector
	// LoginURL returns where to send the browser for req.
	LoginURL(ctx context.Context, req Request) (string, error)
	// HandleCallback verifies the provider's answer to req (the query of
	// the redirect back, whose state has already been matched to req) and
	// returns who the person is. A refusal is an *sso.Error (see Refuse).
	HandleCallback(ctx context.Context, req Request, query url.Values) (Identity, error)
}

// SAMLConnector signs a person in with SAML 2.0 Web Browser SSO: an
// AuthnRequest over HTTP-Redirect, the answer posted to the assertion
// consumer service (HTTP-POST).
type SAMLConnector interface {
	Connector
	// AuthnRequest makes an AuthnRequest that carries relayState and
	// returns the HTTP-Redirect URL that sends it, and its ID.
	AuthnRequest(ctx context.Context, relayState string) (redirectURL, requestID string, err error)
	// HandlePOST verifies the SAMLResponse form value posted to the
	// assertion consumer service. It must answer the AuthnRequest
	// requestID, or, when requestID is "", be unsolicited (IdP-initiated,
	// which the caller allows only when IDPInitiated says so). Each
	// accepted assertion's ID is consumed in replay until it expires.
	HandlePOST(ctx context.Context, samlResponse, requestID string, replay ReplayCache) (Identity, error)
	// IDPInitiated reports whether unsolicited responses are accepted.
	IDPInitiated() bool
	// Metadata returns the service provider's metadata (XML).
	Metadata(ctx context.Context) ([]byte, error)
}

// ReplayCache remembers identifiers that may be used once.
type ReplayCache interface {
	// Consume records id (of the issuer's namespace) as used until
	// expiresAt. It returns ErrReplayed if id is recorded already.
	Consume(ctx context.Context, id string, expiresAt time.Time) error
}

// ErrReplayed is what a ReplayCache returns for an identifier used before.
var ErrReplayed = errors.New("upstream: used before")

// Failure is why a sign-in was refused, for the log and the audit trail:
// Reason is a short fixed word (the audit event's reason), Err the cause
// (logged, never shown).
type Failure struct {
	Reason string
	Err    error
}

func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Reason
	}
	return f.Reason + ": " + f.Err.Error()
}

func (f *Failure) Unwrap() error { return f.Err }

// Refuse returns the error of a refused sign-in: message is shown to the
// person and says what to do; reason and cause go to the log.
func Refuse(reason, message string, cause error) error {
	return &sso.Error{Code: sso.CodeAccessDenied, Message: message, Err: &Failure{Reason: reason, Err: cause}}
}

// refuseCode is Refuse with another code (an expired journey, a bad
// request).
func refuseCode(code sso.Code, reason, message string, cause error) error {
	return &sso.Error{Code: code, Message: message, Err: &Failure{Reason: reason, Err: cause}}
}

// Unavailable returns the error of a provider that could not be reached
// or answered nonsense: an internal error (the person sees that the server
// could not complete the request and may try again), with the cause for
// the log.
func Unavailable(what string, cause error) error {
	return &sso.Error{Code: sso.CodeInternal, Message: "Internal error.", Err: &Failure{Reason: "provider_unavailable", Err: fmt.Errorf("%s: %w", what, cause)}}
}

// reasonOf returns the Failure reason of err, or "internal".
func reasonOf(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Reason
	}
	return "internal"
}

// Policy is what a provider's people may do here.
type Policy struct {
	// LinkByUserName lets a first sign-in take over an existing user of
	// the same name that no external ID of this provider's issuer claims
	// yet. Off, such a sign-in is refused: the provider could otherwise
	// sign in as any local account by sending its name.
	LinkByUserName bool
	// AllowedEmailDomains, when not empty, are the only email domains
	// (after the last @, compared without case) whose people may sign in.
	AllowedEmailDomains []string
}

// Provider is a configured upstream.
type Provider struct {
	ID        string // in URLs and in sign-in methods ("oidc:ID")
	Name      string // on the button: "Sign in with NAME"
	Connector Connector
	Policy    Policy
}

// method is how a sign-in through p is recorded: "oidc:ID" or "saml:ID".
func (p *Provider) method() string { return p.Connector.Kind() + ":" + p.ID }

// Source is the membership source of the groups provider id manages.
func Source(id string) string { return "upstream:" + id }

// CheckID validates a provider ID: it is part of URLs, flows and
// membership sources, so 1 to 64 lower-case letters, digits, '-' and '_'.
func CheckID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("an identity provider id has 1 to 64 characters, got %q", id)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("identity provider id %q: use lower-case letters, digits, '-' and '_' only", id)
		}
	}
	return nil
}

// emailDomain returns the lower-cased domain of email, or "".
func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 || at == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}
