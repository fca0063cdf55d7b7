package authcode

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultCodeLifetime is how long a code may wait for its redemption. The
// AWS CLI redeems it the moment its callback is hit; RFC 6749 section
// 4.1.2 recommends at most 10 minutes.
const DefaultCodeLifetime = 5 * time.Minute

// Clients is what the grant needs from registration.
type Clients interface {
	Get(ctx context.Context, id string) (sso.Client, error)
}

// Options configure a Service.
type Options struct {
	CodeLifetime time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
	// Used, when set, is told of every client whose request passed the
	// client and redirect URI checks: it has started an authorization, so
	// its registration is not collected as unused.
	Used func(ctx context.Context, c sso.Client) error
}

// Service is the authorization code grant.
type Service struct {
	store    sso.AuthCodeStore
	tokens   sso.TokenStore
	clients  Clients
	digester *sso.Digester
	minter   *tokens.Minter
	opts     Options
}

// New returns a Service.
func New(store sso.AuthCodeStore, tok sso.TokenStore, cl Clients, d *sso.Digester, m *tokens.Minter, opts Options) *Service {
	if opts.CodeLifetime <= 0 {
		opts.CodeLifetime = DefaultCodeLifetime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, tokens: tok, clients: cl, digester: d, minter: m, opts: opts}
}

// Request is a validated authorization request.
type Request struct {
	Client      sso.Client
	RedirectURI string // as presented (with its port), to redirect to and to bind the code to
	State       string
	Challenge   string
	Scopes      []string
}

// RedirectError is an authorization error that goes back to the client's
// redirect URI (RFC 6749 section 4.1.2.1): the client and the redirect URI
// are known to be valid, so the browser is sent to URL.
type RedirectError struct {
	URL         string
	Code        string // the OAuth error, e.g. invalid_request
	Description string
}

func (e *RedirectError) Error() string { return "authorization error " + e.Code + ": " + e.Description }

// Validate checks the query of GET /authorize. Until the client and its
// redirect URI are known to be valid, errors are *sso.Error, to be shown on
// our own page and never redirected (no open redirect). After that, errors
// are *RedirectError.
func (s *Service) Validate(ctx context.Context, q url.Values) (Request, error) {
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method", "scopes", "scope"} {
		if len(q[p]) > 1 {
			if p == "client_id" || p == "redirect_uri" {
				return Request{}, sso.Errorf(sso.CodeInvalidRequest, "the parameter %s appears more than once", p)
			}
		}
	}
	clientID, redirect := q.Get("client_id"), q.Get("redirect_uri")
	if clientID == "" {
		return Request{}, sso.Errorf(sso.CodeInvalidRequest, "the request has no client_id")
	}
	client, err := s.clients.Get(ctx, clientID)
	if errors.Is(err, sso.ErrNotFound) {
		return Request{}, sso.Errorf(sso.CodeInvalidClient, "the application that sent you here is not registered; start the login again from it")
	}
	if err != nil {
		return Request{}, err
	}
	if now := s.opts.Now(); !now.Before(client.ExpiresAt) || (!client.UnusedUntil.IsZero() && !now.Before(client.UnusedUntil)) {
		return Request{}, sso.Errorf(sso.CodeInvalidClient, "the application's registration has expired; start the login again from it")
	}
	if redirect == "" {
		return Request{}, sso.Errorf(sso.CodeInvalidRequest, "the request has no redirect_uri")
	}
	matched := false
	for _, reg := range client.RedirectURIs {
		if sso.MatchRedirectURI(reg, redirect) {
			matched = true
			break
		}
	}
	if !matched {
		return Request{}, sso.Errorf(sso.CodeInvalidRedirectURI, "the redirect URI is not registered for this application")
	}
	if s.opts.Used != nil {
		if err := s.opts.Used(ctx, client); err != nil {
			return Request{}, err
		}
	}

	// From here on, errors go back to the client.
	r := Request{Client: client, RedirectURI: redirect, State: q.Get("state")}
	fail := func(code, desc string) (Request, error) {
		return Request{}, &RedirectError{URL: errorURL(redirect, code, desc, r.State), Code: code, Description: desc}
	}
	for p, v := range q {
		if len(v) > 1 {
			return fail("invalid_request", "the parameter "+p+" appears more than once")
		}
	}
	if rt := q.Get("response_type"); rt != "code" {
		return fail("unsupported_response_type", "response_type must be code")
	}
	if !clients.AllowsGrant(client, wire.GrantAuthorizationCode) {
		return fail("unauthorized_client", "the application is not registered for the authorization code grant")
	}
	// RFC 9700 section 2.1.1: public clients must use PKCE, with S256.
	challenge := strings.TrimRight(q.Get("code_challenge"), "=")
	method := q.Get("code_challenge_method")
	switch {
	case challenge == "":
		return fail("invalid_request", "code_challenge is required (PKCE)")
	case method != "S256":
		return fail("invalid_request", "code_challenge_method must be S256")
	case !sso.ValidChallenge(challenge):
		return fail("invalid_request", "code_challenge is not a base64url SHA-256 digest")
	}
	r.Challenge = challenge
	// The AWS CLI sends "scopes" (space-separated); OAuth says "scope".
	raw := q.Get("scopes")
	if raw == "" {
		raw = q.Get("scope")
	}
	scopes := strings.Fields(raw)
	if len(scopes) == 0 {
		scopes = client.Scopes
	}
	for _, sc := range scopes {
		if !sso.ContainsString(client.Scopes, sc) {
			return fail("invalid_scope", "the scope "+sc+" was not registered by the application")
		}
	}
	r.Scopes = scopes
	return r, nil
}

// Approve issues a code for r on behalf of userID and returns the URL to
// send the browser to: redirect_uri?code=...&state=...
func (s *Service) Approve(ctx context.Context, r Request, userID string) (string, error) {
	code := sso.RandomSecret()
	now := s.opts.Now()
	err := s.store.CreateAuthCode(ctx, sso.AuthCode{
		Digest: s.digester.Digest(sso.KindAuthCode, code), ClientID: r.Client.ID, UserID: userID,
		RedirectURI: r.RedirectURI, Challenge: r.Challenge, Scopes: r.Scopes,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.CodeLifetime),
	})
	if err != nil {
		return "", err
	}
	s.opts.Logger.InfoContext(ctx, "authorization code issued", slog.String("client_id", r.Client.ID), slog.String("user_id", userID))
	return withQuery(r.RedirectURI, url.Values{"code": {code}, "state": stateValue(r.State)}), nil
}

// Deny returns the URL that tells the client the person said no.
func (s *Service) Deny(r Request) string {
	return errorURL(r.RedirectURI, "access_denied", "the request was denied", r.State)
}

// Exchange is the authorization_code grant of CreateToken (tokens.Grant).
func (s *Service) Exchange(ctx context.Context, client sso.Client, req wire.CreateTokenRequest) (wire.CreateTokenResponse, error) {
	switch {
	case req.Code == nil || *req.Code == "":
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "code is required for the authorization_code grant")
	case req.RedirectURI == nil || *req.RedirectURI == "":
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "redirectUri is required for the authorization_code grant")
	case req.CodeVerifier == nil || *req.CodeVerifier == "":
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "codeVerifier is required for the authorization_code grant (PKCE)")
	}
	digest := s.digester.Digest(sso.KindAuthCode, *req.Code)
	now := s.opts.Now()
	c, err := s.store.GetAuthCode(ctx, digest)
	if errors.Is(err, sso.ErrNotFound) {
		return wire.CreateTokenResponse{}, invalidCode()
	}
	if err != nil {
		return wire.CreateTokenResponse{}, err
	}
	if c.ClientID != client.ID {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidGrant, "the authorization code was issued to another client")
	}
	if !c.RedeemedAt.IsZero() {
		return wire.CreateTokenResponse{}, s.reused(ctx, c, now)
	}
	if !now.Before(c.ExpiresAt) {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidGrant, "the authorization code has expired; sign in again")
	}
	// RFC 6749 section 4.1.3: the same redirect URI as at /authorize, port
	// included.
	if *req.RedirectURI != c.RedirectURI {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidGrant, "redirectUri does not match the one of the authorization request")
	}
	if !sso.VerifyPKCE(*req.CodeVerifier, c.Challenge) {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidGrant, "codeVerifier does not match the code challenge")
	}
	issue, resp := s.minter.MintScoped(client, c.UserID, c.Scopes, now)
	err = s.store.RedeemAuthCode(ctx, digest, now, issue)
	if errors.Is(err, sso.ErrConflict) {
		// A concurrent redemption won: this is a second use.
		if c, err = s.store.GetAuthCode(ctx, digest); err != nil {
			return wire.CreateTokenResponse{}, err
		}
		return wire.CreateTokenResponse{}, s.reused(ctx, c, now)
	}
	if err != nil {
		return wire.CreateTokenResponse{}, err
	}
	return resp, nil
}

// reused answers a second redemption: RFC 6749 section 4.1.2 says deny it
// and revoke what the first one issued.
func (s *Service) reused(ctx context.Context, c sso.AuthCode, now time.Time) error {
	if c.FamilyID != "" {
		if err := s.tokens.RevokeFamily(ctx, c.FamilyID, now); err != nil && !errors.Is(err, sso.ErrNotFound) {
			return err
		}
		s.opts.Logger.WarnContext(ctx, "authorization code reused; its tokens revoked",
			slog.String("client_id", c.ClientID), slog.String("family_id", c.FamilyID))
	}
	return sso.Errorf(sso.CodeInvalidGrant, "the authorization code has already been used; the tokens it issued are revoked")
}

func invalidCode() error {
	return sso.Errorf(sso.CodeInvalidGrant, "the authorization code is invalid; sign in again")
}

func stateValue(state string) []string {
	if state == "" {
		return nil
	}
	return []string{state}
}

func errorURL(redirect, code, desc, state string) string {
	v := url.Values{"error": {code}, "error_description": {desc}}
	if state != "" {
		v.Set("state", state)
	}
	return withQuery(redirect, v)
}

// withQuery adds v to the query of base, keeping what base has.
func withQuery(base string, v url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for k, vs := range v {
		for _, x := range vs {
			q.Add(k, x)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
