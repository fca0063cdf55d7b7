package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/clientaddr"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Devices is what the verification pages need from the device flow.
type Devices interface {
	// Lookup returns the pending authorization for what the signed-in
	// person who typed (raw input: the implementation normalises it).
	// Codes are looked up only for someone signed in, so that wrong
	// guesses count per person. remoteAddr is the client's IP address,
	// without a port. Errors are *sso.Error: CodeInvalidGrant (no such
	// pending code), CodeExpiredToken, CodeTooManyRequests (guess limit of
	// the person or of remoteAddr reached; RetryAfter says how long).
	Lookup(ctx context.Context, userCode string, who sso.User, remoteAddr string) (DevicePrompt, error)
	// Decide approves or denies the pending authorization for userCode on
	// behalf of userID. Same errors as Lookup.
	Decide(ctx context.Context, userCode, userID string, approve bool) error
}

// DevicePrompt is a pending device authorization, as the consent page
// shows it.
type DevicePrompt struct {
	UserCode   string // formatted XXXX-XXXX
	ClientName string
	Scopes     []string
	StartURL   string
	ExpiresAt  time.Time
}

// People is what the pages need to know who a person is;
// *identity.Service implements it.
type People interface {
	// SignIn checks a username and password typed by a person at
	// remoteAddr (an IP address). Errors are *sso.Error: CodeAccessDenied
	// (wrong username or password), CodeTooManyRequests (throttled).
	SignIn(ctx context.Context, username, password, remoteAddr string) (sso.User, error)
	// StartSession starts a browser session for u, who signed in with
	// method ("password", "oidc:okta", ...), and returns its cookie value
	// and expiry.
	StartSession(ctx context.Context, u sso.User, method string) (cookieValue string, expires time.Time, err error)
	// SessionUser returns the user of a session cookie value; an unknown
	// or expired one is an *sso.Error with CodeUnauthorized.
	SessionUser(ctx context.Context, cookieValue string) (sso.User, error)
	// EndSession ends a session; an unknown one is not an error.
	EndSession(ctx context.Context, cookieValue string) error
}

// Options configure a Handler.
type Options struct {
	Devices Devices
	People  People
	// Authorizer serves GET /authorize (authorization code with PKCE); nil
	// leaves it unserved.
	Authorizer Authorizer
	// Upstreams signs people in through identity providers (upstream.go);
	// nil shows no "Sign in with" buttons. NoLocalPasswords hides the
	// password form and refuses passwords (local_passwords: false).
	Upstreams        Upstreams
	NoLocalPasswords bool
	// MFA asks for second factors and enrols them (mfa.go); nil asks
	// for none.
	MFA MFA
	// Logger receives internal errors, once each; default slog.Default().
	Logger *slog.Logger
	// PublicURL is the base URL people reach the server at. When it is
	// https, the session cookie is Secure even if TLS ends at a proxy.
	PublicURL string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For header is believed. Empty (the default): the client
	// address is the connection's peer, and the header is ignored.
	TrustedProxies []netip.Prefix

	// The access portal and the Security page (issue 18; portal.go,
	// security.go). Portal nil serves neither. StartURLs are the
	// server's start URLs: the first is the one the credentials page
	// names for aws configure sso, and those on the public URL's host
	// serve the portal at their path too. Region is the SSO region.
	// FactorCount, when set, gives the Security page the number of a
	// person's second factors (else it only links to /security/mfa).
	Portal      Portal
	Security    Security
	StartURLs   []string
	Region      string
	FactorCount func(ctx context.Context, userID string) (int, error)
}

// Handler serves the pages. Register them with Routes.
type Handler struct {
	devices   Devices
	people    People
	authz     Authorizer
	log       *slog.Logger
	now       func() time.Time
	secureURL bool // PublicURL is https
	addrs     clientaddr.Resolver
	csrf      *http.CrossOriginProtection
	pages     *pages

	// Sign-in through identity providers (upstream.go).
	upstreams   Upstreams
	noPasswords bool

	// The access portal and the Security page (portal.go, security.go).
	portal      Portal
	security    Security
	startPaths  []string
	startURL    string
	region      string
	publicURL   string
	factorCount func(ctx context.Context, userID string) (int, error)
	// Second factors (mfa.go).
	mfa MFA
}

// New returns a Handler.
func New(opts Options) *Handler {
	h := &Handler{
		devices: opts.Devices,
		people:  opts.People,
		authz:   opts.Authorizer,
		log:     opts.Logger,
		now:     opts.Now,
		addrs:   clientaddr.Resolver{Trusted: opts.TrustedProxies},
		pages:   mustParsePages(),
	}
	h.upstreams, h.noPasswords = opts.Upstreams, opts.NoLocalPasswords // upstream.go
	h.portalOptions(opts)                                              // portal.go
	h.mfa = opts.MFA                                                   // mfa.go
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if u, err := url.Parse(opts.PublicURL); err == nil && strings.EqualFold(u.Scheme, "https") {
		h.secureURL = true
	}
	h.csrf = http.NewCrossOriginProtection()
	if u, err := url.Parse(opts.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy that rewrites Host, the browser's Origin is the
		// public URL's; trust it explicitly.
		_ = h.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	h.csrf.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return h
}
