package iamtoken

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultIDTokenLifetime caps an ID token's life; it never outlives its
// access token either.
const DefaultIDTokenLifetime = time.Hour

// Signer signs our JWTs (implemented by *keys.Set).
type Signer interface {
	Sign(ctx context.Context, claims any) (string, error)
}

// AppReader reads the records CreateTokenWithIAM serves from
// (implemented by the stores).
type AppReader interface {
	GetApplication(ctx context.Context, arn string) (sso.Application, error)
	GetTrustedTokenIssuer(ctx context.Context, arn string) (sso.TrustedTokenIssuer, error)
	AppAssigned(ctx context.Context, arn, userID string) (bool, error)
}

// Config is what a Service is built from.
type Config struct {
	// Apps are the applications and trusted token issuers, read at every
	// request: one made through the SSO Admin API works at once, on every
	// node.
	Apps AppReader

	Codes    sso.AuthCodeStore
	Tokens   sso.TokenStore
	Users    sso.UserStore
	Digester *sso.Digester
	Minter   *tokens.Minter
	// Refresh is the refresh_token grant shared with CreateToken.
	Refresh *tokens.RefreshGrant
	Signer  Signer

	// Issuer is the iss of our ID tokens: the server's public URL, where
	// /.well-known/openid-configuration is.
	Issuer string
	// AccessTokenLifetime is tokens.DefaultAccessTTL when zero; it must
	// equal the Minter's.
	AccessTokenLifetime time.Duration
	// IDTokenLifetime is DefaultIDTokenLifetime when zero. It must not
	// exceed the signing keys' rotation period.
	IDTokenLifetime time.Duration
	// IdentityStoreID names the user directory in the ID token
	// (aws:identity_store_id); "d-0000000000" when empty.
	IdentityStoreID string
	// HTTPClient fetches trusted token issuers' keys.
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
}

// Service is CreateTokenWithIAM.
type Service struct {
	cfg   Config
	fetch *fetcher
	// compiled caches each application as its grants use it, by ARN,
	// until the stored record's version changes.
	compiled sync.Map // string -> *app
	// keyCaches are the trusted token issuers' keys, by issuer URL and
	// key source, shared by every application that trusts the issuer.
	keysMu    sync.Mutex
	keyCaches map[string]*keyCache
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Apps == nil {
		return nil, errors.New("iamtoken: no application store")
	}
	if cfg.AccessTokenLifetime <= 0 {
		cfg.AccessTokenLifetime = tokens.DefaultAccessTTL
	}
	if cfg.IDTokenLifetime <= 0 {
		cfg.IDTokenLifetime = DefaultIDTokenLifetime
	}
	if cfg.IdentityStoreID == "" {
		cfg.IdentityStoreID = "d-0000000000"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, fetch: &fetcher{client: cfg.HTTPClient, now: cfg.Now}, keyCaches: map[string]*keyCache{}}, nil
}

// lookup returns the application arn as the grants use it: one read of
// its record, compiled again only when its version changed.
func (s *Service) lookup(ctx context.Context, arn string) (*app, error) {
	if !strings.HasPrefix(arn, "arn:") || len(arn) > 1224 {
		return nil, sso.Errorf(sso.CodeInvalidClient, "clientId is not the ARN of an application on this server")
	}
	rec, err := s.cfg.Apps.GetApplication(ctx, arn)
	if errors.Is(err, sso.ErrNotFound) {
		s.compiled.Delete(arn)
		return nil, sso.Errorf(sso.CodeInvalidClient, "clientId is not the ARN of an application on this server")
	}
	if err != nil {
		return nil, err
	}
	// A record deleted and made again (on another node) starts at
	// version 1 again: its creation time tells the two apart.
	if c, ok := s.compiled.Load(arn); ok && c.(*app).version == rec.Version && c.(*app).created.Equal(rec.CreatedAt) {
		return c.(*app), nil
	}
	a, err := compile(rec)
	if err != nil {
		return nil, err
	}
	s.compiled.Store(arn, a)
	return a, nil
}

// result is what a grant issued, before the response is dressed.
type result struct {
	family       sso.Family
	scopes       []string
	access       string
	refresh      *string
	accessExpiry time.Time
}

// CreateTokenWithIAM runs the grant of req for the application req names,
// on behalf of caller, whose SigV4 signature has been verified. The steps
// shared by every grant run first, so no grant can skip one: required
// members, the application, the caller's permission on it, the grant type
// and the application's permission to use it.
func (s *Service) CreateTokenWithIAM(ctx context.Context, caller sigv4.Principal, req wire.CreateTokenWithIAMRequest) (wire.CreateTokenWithIAMResponse, error) {
	var none wire.CreateTokenWithIAMResponse
	switch {
	case req.ClientID == nil || *req.ClientID == "":
		return none, sso.Errorf(sso.CodeInvalidRequest, "clientId is required")
	case req.GrantType == nil || *req.GrantType == "":
		return none, sso.Errorf(sso.CodeInvalidRequest, "grantType is required")
	}
	a, err := s.lookup(ctx, *req.ClientID)
	if err != nil {
		return none, err
	}
	if !a.enabled {
		return none, sso.Errorf(sso.CodeInvalidClient, "the application is disabled")
	}
	if !a.allows(caller.ARN, caller.Account) {
		// The message AWS's authorization layer gives.
		return none, sso.Errorf(sso.CodeAccessDenied, "User: %s is not authorized to perform: sso-oauth:CreateTokenWithIAM on resource: %s", caller.ARN, a.ARN)
	}
	var grant func(context.Context, *app, wire.CreateTokenWithIAMRequest) (result, error)
	switch *req.GrantType {
	case wire.GrantAuthorizationCode:
		grant = s.authorizationCode
	case wire.GrantRefreshToken:
		grant = s.refreshToken
	case wire.GrantJWTBearer:
		grant = s.jwtBearer
	case wire.GrantTokenExchange:
		grant = s.tokenExchange
	default:
		return none, sso.Errorf(sso.CodeUnsupportedGrantType, "grant type %q is not supported by CreateTokenWithIAM", truncate(*req.GrantType))
	}
	if !a.grants[*req.GrantType] {
		return none, sso.Errorf(sso.CodeUnauthorizedClient, "the application is not configured for the %s grant", *req.GrantType)
	}
	r, err := grant(ctx, a, req)
	if err != nil {
		return none, err
	}
	return s.respond(ctx, a, r)
}

// mint prepares a new family for a and userID. Its session ends at limit
// when limit is earlier than the usual session end (a token exchange does
// not outlive the login it came from); its access token lasts the access
// token lifetime, and so does the whole family when it is not refreshable.
func (s *Service) mint(a *app, userID string, scopes []string, refreshable bool, limit, now time.Time) (sso.Issue, result) {
	client := a.client
	if !refreshable {
		client.GrantTypes = nil
		for _, g := range a.client.GrantTypes {
			if g != wire.GrantRefreshToken {
				client.GrantTypes = append(client.GrantTypes, g)
			}
		}
	}
	issue, resp := s.cfg.Minter.MintScoped(client, userID, scopes, now)
	if !limit.IsZero() && limit.Before(issue.Family.ExpiresAt) {
		issue.Family.ExpiresAt = limit
	}
	exp := now.Add(s.cfg.AccessTokenLifetime)
	if exp.After(issue.Family.ExpiresAt) {
		exp = issue.Family.ExpiresAt
	}
	if issue.Refresh == nil {
		issue.Family.ExpiresAt = exp
	}
	issue.Access.ExpiresAt = exp
	return issue, result{family: issue.Family, scopes: scopes, access: resp.AccessToken, refresh: resp.RefreshToken, accessExpiry: exp}
}

// authorizationCode redeems a code that /authorize issued to the
// application (RFC 6749 section 4.1.3, RFC 7636 section 4.6).
func (s *Service) authorizationCode(ctx context.Context, a *app, req wire.CreateTokenWithIAMRequest) (result, error) {
	switch {
	case empty(req.Code):
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "code is required for the authorization_code grant")
	case empty(req.RedirectURI):
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "redirectUri is required for the authorization_code grant")
	case empty(req.CodeVerifier):
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "codeVerifier is required for the authorization_code grant (PKCE)")
	}
	digest := s.cfg.Digester.Digest(sso.KindAuthCode, *req.Code)
	now := s.cfg.Now()
	c, err := s.cfg.Codes.GetAuthCode(ctx, digest)
	if errors.Is(err, sso.ErrNotFound) {
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "the authorization code is invalid; sign in again")
	}
	if err != nil {
		return result{}, err
	}
	switch {
	case c.ClientID != a.ARN:
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "the authorization code was issued to another client")
	case !c.RedeemedAt.IsZero():
		return result{}, s.codeReused(ctx, c, now)
	case !now.Before(c.ExpiresAt):
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "the authorization code has expired; sign in again")
	case *req.RedirectURI != c.RedirectURI:
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "redirectUri does not match the one of the authorization request")
	case !sso.VerifyPKCE(*req.CodeVerifier, c.Challenge):
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "codeVerifier does not match the code challenge")
	}
	scopes, err := downscope(c.Scopes, req.Scope)
	if err != nil {
		return result{}, err
	}
	if err := s.checkAssigned(ctx, a, c.UserID); err != nil {
		return result{}, err
	}
	issue, r := s.mint(a, c.UserID, scopes, a.grants[wire.GrantRefreshToken], time.Time{}, now)
	err = s.cfg.Codes.RedeemAuthCode(ctx, digest, now, issue)
	if errors.Is(err, sso.ErrConflict) {
		if c, err = s.cfg.Codes.GetAuthCode(ctx, digest); err != nil {
			return result{}, err
		}
		return result{}, s.codeReused(ctx, c, now)
	}
	if err != nil {
		return result{}, err
	}
	return r, nil
}

// codeReused answers a second redemption: RFC 6749 section 4.1.2 says deny
// it and revoke what the first one issued.
func (s *Service) codeReused(ctx context.Context, c sso.AuthCode, now time.Time) error {
	if c.FamilyID != "" {
		if err := s.cfg.Tokens.RevokeFamily(ctx, c.FamilyID, now); err != nil && !errors.Is(err, sso.ErrNotFound) {
			return err
		}
		s.cfg.Logger.WarnContext(ctx, "authorization code reused; its tokens revoked",
			slog.String("client_id", c.ClientID), slog.String("family_id", c.FamilyID))
	}
	return sso.Errorf(sso.CodeInvalidGrant, "the authorization code has already been used; the tokens it issued are revoked")
}

// refreshToken rotates a refresh token of the application with the shared
// refresh grant (reuse detection, grace window). A family keeps the scopes
// it was granted: a requested scope must be among them, and the response
// names the scopes the tokens carry (RFC 6749 sections 5.1 and 6).
func (s *Service) refreshToken(ctx context.Context, a *app, req wire.CreateTokenWithIAMRequest) (result, error) {
	if empty(req.RefreshToken) {
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "refreshToken is required for the refresh_token grant")
	}
	now := s.cfg.Now()
	// The family is read, checked (the client, the scopes) and rotated in
	// one store step.
	resp, fam, err := s.cfg.Refresh.Rotate(ctx, a.client, *req.RefreshToken, func(fam sso.Family) error {
		_, err := downscope(fam.Scopes, req.Scope)
		return err
	})
	if err != nil {
		return result{}, err
	}
	return result{family: fam, scopes: fam.Scopes, access: resp.AccessToken, refresh: resp.RefreshToken,
		accessExpiry: now.Add(time.Duration(resp.ExpiresIn) * time.Second)}, nil
}

// jwtBearer issues tokens for the user a trusted token issuer's assertion
// names (RFC 7523 section 2.1).
func (s *Service) jwtBearer(ctx context.Context, a *app, req wire.CreateTokenWithIAMRequest) (result, error) {
	if empty(req.Assertion) {
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "assertion is required for the jwt-bearer grant")
	}
	scopes, err := downscope(a.scopes, req.Scope)
	if err != nil {
		return result{}, err
	}
	as, err := s.verifyAssertion(ctx, a, *req.Assertion)
	if err != nil {
		return result{}, err
	}
	u, err := s.userFor(ctx, as)
	if err != nil {
		return result{}, err
	}
	if err := s.checkAssigned(ctx, a, u.ID); err != nil {
		return result{}, err
	}
	issue, r := s.mint(a, u.ID, scopes, a.grants[wire.GrantRefreshToken], time.Time{}, s.cfg.Now())
	if err := s.cfg.Tokens.CreateFamily(ctx, issue); err != nil {
		return result{}, err
	}
	return r, nil
}

// tokenExchange exchanges an access token this server issued (to any
// client) for the application's own tokens for the same person (RFC 8693).
// The new session ends no later than the subject token's.
func (s *Service) tokenExchange(ctx context.Context, a *app, req wire.CreateTokenWithIAMRequest) (result, error) {
	switch {
	case empty(req.SubjectToken):
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "subjectToken is required for the token-exchange grant")
	case empty(req.SubjectTokenType):
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "subjectTokenType is required for the token-exchange grant")
	case *req.SubjectTokenType != wire.TokenTypeAccessToken:
		return result{}, sso.Errorf(sso.CodeInvalidRequest, "subjectTokenType must be %s", wire.TokenTypeAccessToken)
	}
	wantRefresh := false
	if !empty(req.RequestedTokenType) {
		switch *req.RequestedTokenType {
		case wire.TokenTypeAccessToken:
		case wire.TokenTypeRefreshToken:
			if !a.grants[wire.GrantRefreshToken] {
				return result{}, sso.Errorf(sso.CodeUnauthorizedClient, "the application is not configured for the refresh_token grant, so it cannot request a refresh token")
			}
			wantRefresh = true
		default:
			return result{}, sso.Errorf(sso.CodeInvalidRequest, "requestedTokenType must be %s or %s", wire.TokenTypeAccessToken, wire.TokenTypeRefreshToken)
		}
	}
	scopes, err := downscope(a.scopes, req.Scope)
	if err != nil {
		return result{}, err
	}
	now := s.cfg.Now()
	at, fam, err := s.cfg.Tokens.GetAccessToken(ctx, s.cfg.Digester.Digest(sso.KindAccessToken, *req.SubjectToken))
	switch {
	case errors.Is(err, sso.ErrNotFound):
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "the subject token is not an access token issued by this server")
	case err != nil:
		return result{}, err
	case fam.Revoked():
		return result{}, sso.Errorf(sso.CodeInvalidGrant, "the subject token's session has been revoked")
	case !now.Before(at.ExpiresAt) || !now.Before(fam.ExpiresAt):
		return result{}, sso.Errorf(sso.CodeExpiredToken, "the subject token has expired")
	}
	if err := s.checkAssigned(ctx, a, at.UserID); err != nil {
		return result{}, err
	}
	issue, r := s.mint(a, at.UserID, scopes, wantRefresh, fam.ExpiresAt, now)
	if err := s.cfg.Tokens.CreateFamily(ctx, issue); err != nil {
		return result{}, err
	}
	return r, nil
}

func empty(p *string) bool { return p == nil || *p == "" }

// userFor finds the person an assertion names, by the directory attribute
// its trusted token issuer matches: the user name, or the primary email
// (which must name exactly one person).
func (s *Service) userFor(ctx context.Context, as assertion) (sso.User, error) {
	notHere := sso.Errorf(sso.CodeInvalidGrant, "the user the assertion names is not in this server's directory")
	if as.attr == AttrEmail {
		us, err := s.cfg.Users.ListUsers(ctx, sso.UserQuery{Email: as.user, Page: sso.Page{Limit: 2}})
		if err != nil {
			return sso.User{}, err
		}
		if len(us) != 1 {
			return sso.User{}, notHere
		}
		return us[0], nil
	}
	u, err := s.cfg.Users.GetUserByName(ctx, as.user)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.User{}, notHere
	}
	return u, err
}

// checkAssigned refuses a person an application whose assignment
// configuration requires an assignment they do not have, directly or
// through a group (PutApplicationAssignmentConfiguration).
func (s *Service) checkAssigned(ctx context.Context, a *app, userID string) error {
	if !a.assigned {
		return nil
	}
	ok, err := s.cfg.Apps.AppAssigned(ctx, a.ARN, userID)
	if err != nil {
		return err
	}
	if !ok {
		return sso.Errorf(sso.CodeAccessDenied, "the person is not assigned to this application")
	}
	return nil
}

// ResolveClient returns the application with id as a client, for
// /authorize: its ARN is the client_id of an authorization request. A
// disabled application is no client.
func (s *Service) ResolveClient(ctx context.Context, id string) (sso.Client, bool, error) {
	if !strings.HasPrefix(id, "arn:") {
		return sso.Client{}, false, nil
	}
	a, err := s.lookup(ctx, id)
	if sso.CodeOf(err) == sso.CodeInvalidClient {
		return sso.Client{}, false, nil
	}
	if err != nil {
		return sso.Client{}, false, err
	}
	return a.client, a.enabled, nil
}

// ClientGetter finds registered clients (implemented by *clients.Service).
type ClientGetter interface {
	Get(ctx context.Context, id string) (sso.Client, error)
}

// Clients returns a ClientGetter that knows the applications and asks
// fallback for everything else, so that /authorize serves both.
func (s *Service) Clients(fallback ClientGetter) ClientGetter { return clientsWithApps{s, fallback} }

type clientsWithApps struct {
	s        *Service
	fallback ClientGetter
}

func (c clientsWithApps) Get(ctx context.Context, id string) (sso.Client, error) {
	cl, ok, err := c.s.ResolveClient(ctx, id)
	if err != nil {
		return sso.Client{}, err
	}
	if ok {
		return cl, nil
	}
	return c.fallback.Get(ctx, id)
}
