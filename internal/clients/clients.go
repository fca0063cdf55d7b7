package clients

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultLifetime is how long a registration lasts unless configured: about
// what AWS gives (the Smithy example shows 91 days).
const DefaultLifetime = 90 * 24 * time.Hour

// Limits on what a registration may carry. RegisterClient is anonymous and
// every registration is stored, so each member is bounded; the whole body
// is bounded too (MaxRegisterBody). What real clients send is far below
// every one: the AWS CLI (botocore) registers about 250 bytes with one
// scope, one redirect URI (http://127.0.0.1/oauth/callback) and two grant
// types; the AWS IDE toolkits (the JS SDK) about 600 bytes with up to
// eight scopes and one redirect URI.
const (
	// MaxRegisterBody is the largest RegisterClient body, in bytes.
	MaxRegisterBody = 8 << 10
	// MaxNameLen bounds clientName, in bytes.
	MaxNameLen = 256
	// MaxScopes bounds the number of scopes; each is at most 256 bytes
	// (ValidScope).
	MaxScopes = 25
	// MaxRedirectURIs bounds the number of redirectUris.
	MaxRedirectURIs = 5
	// MaxURILen bounds each redirect URI and issuerUrl, in bytes.
	MaxURILen = 512
	// maxGrantTypes bounds the grantTypes list (three grants exist).
	maxGrantTypes   = 10
	cacheMaxClients = 10000
)

// Defaults of the registration limits.
const (
	// DefaultUnusedLifetime is how long a registration lives if it never
	// starts an authorization (StartDeviceAuthorization, or a valid
	// /authorize request): real clients start one seconds after they
	// register, so a day is far more than any needs, and a flood of
	// registrations that start nothing is gone a day later instead of in
	// 90.
	DefaultUnusedLifetime = 24 * time.Hour
	// DefaultRegistrationsPerAddress registrations per RegistrationWindow
	// may come from one client address (IPv6: one /64). A CLI registers
	// once per 90 days per SSO session, so thirty in ten minutes serves a
	// whole office behind one NAT setting up at once, and bounds one
	// address to 4,320 registrations a day (at most 35 MB at the largest
	// body, collected a day later when unused).
	DefaultRegistrationsPerAddress = 30
	// RegistrationWindow is the window registrations per address count in.
	RegistrationWindow = 10 * time.Minute
)

// Options configure a Service.
type Options struct {
	// Lifetime of a registration (the client secret's expiry).
	Lifetime time.Duration
	// UnusedLifetime is how long a registration that never starts an
	// authorization lives; default DefaultUnusedLifetime (never longer
	// than Lifetime).
	UnusedLifetime time.Duration
	// Limits counts registrations per client address; nil counts nothing.
	Limits sso.LimitStore
	// PerAddress is how many registrations one client address may make
	// per RegistrationWindow; 0 is DefaultRegistrationsPerAddress, a
	// negative number turns the limit off.
	PerAddress int
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Service registers and authenticates clients.
type Service struct {
	store      sso.ClientStore
	digester   *sso.Digester
	lifetime   time.Duration
	unused     time.Duration
	limits     sso.LimitStore
	perAddress int
	now        func() time.Time

	// Registrations never change once written, so a verified lookup can be
	// kept in memory on every node without going stale; expiry is checked
	// against the record on each use.
	mu    sync.RWMutex
	cache map[string]sso.Client
}

// New returns a Service over store.
func New(store sso.ClientStore, d *sso.Digester, opts Options) *Service {
	if opts.Lifetime <= 0 {
		opts.Lifetime = DefaultLifetime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UnusedLifetime <= 0 {
		opts.UnusedLifetime = DefaultUnusedLifetime
	}
	if opts.PerAddress == 0 {
		opts.PerAddress = DefaultRegistrationsPerAddress
	}
	return &Service{store: store, digester: d, lifetime: opts.Lifetime, unused: min(opts.UnusedLifetime, opts.Lifetime),
		limits: opts.Limits, perAddress: opts.PerAddress, now: opts.Now, cache: map[string]sso.Client{}}
}

var grantAliases = map[string]string{
	wire.GrantDeviceCode:        wire.GrantDeviceCode,
	wire.GrantDeviceCodeHyphen:  wire.GrantDeviceCode,
	wire.GrantAuthorizationCode: wire.GrantAuthorizationCode,
	wire.GrantRefreshToken:      wire.GrantRefreshToken,
}

// CanonicalGrant returns the canonical name of a grant type string and
// whether RegisterClient knows it.
func CanonicalGrant(g string) (string, bool) {
	c, ok := grantAliases[g]
	return c, ok
}

// Register validates req and stores a new public client for a caller at
// remoteAddr (an http.Request.RemoteAddr or a bare address), within the
// per-address limit: past it, CodeTooManyRequests (SlowDownException on
// the wire, which RegisterClient lists) with RetryAfter.
func (s *Service) Register(ctx context.Context, req wire.RegisterClientRequest, remoteAddr string) (wire.RegisterClientResponse, error) {
	if req.ClientName == nil || *req.ClientName == "" {
		return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidRequest, "clientName is required")
	}
	if len(*req.ClientName) > MaxNameLen {
		return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidClientMetadata, "clientName is longer than %d bytes", MaxNameLen)
	}
	if req.ClientType == nil || *req.ClientType == "" {
		return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidRequest, "clientType is required")
	}
	if *req.ClientType != wire.ClientTypePublic {
		return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidClientMetadata, "clientType must be %q; the service supports only public clients", wire.ClientTypePublic)
	}
	grants, err := checkGrants(req.GrantTypes)
	if err != nil {
		return wire.RegisterClientResponse{}, err
	}
	if err := checkScopes(req.Scopes); err != nil {
		return wire.RegisterClientResponse{}, err
	}
	if err := checkRedirects(req.RedirectURIs, grants); err != nil {
		return wire.RegisterClientResponse{}, err
	}
	issuer := ""
	if req.IssuerURL != nil && *req.IssuerURL != "" {
		u, err := url.Parse(*req.IssuerURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(*req.IssuerURL) > MaxURILen {
			return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidClientMetadata, "issuerUrl must be an absolute http(s) URL of at most %d bytes", MaxURILen)
		}
		issuer = *req.IssuerURL
	}
	// Counted after validation: a rejected request stores nothing, so it
	// costs nothing worth counting.
	now := s.now()
	if err := s.countRegistration(ctx, remoteAddr, now); err != nil {
		return wire.RegisterClientResponse{}, err
	}

	secret := sso.RandomSecret()
	c := sso.Client{
		ID:           sso.RandomSecret()[:22],
		SecretDigest: s.digester.Digest(sso.KindClientSecret, secret),
		Name:         *req.ClientName,
		Type:         wire.ClientTypePublic,
		Scopes:       req.Scopes,
		GrantTypes:   grants,
		RedirectURIs: req.RedirectURIs,
		IssuerURL:    issuer,
		CreatedAt:    now,
		ExpiresAt:    now.Add(s.lifetime),
		UnusedUntil:  now.Add(s.unused),
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		return wire.RegisterClientResponse{}, err
	}
	return wire.RegisterClientResponse{
		ClientID:              c.ID,
		ClientSecret:          secret,
		ClientIDIssuedAt:      c.CreatedAt.Unix(),
		ClientSecretExpiresAt: c.ExpiresAt.Unix(),
	}, nil
}

// countRegistration takes one registration from the caller's address,
// or refuses it when the address has used up its registrations.
func (s *Service) countRegistration(ctx context.Context, remoteAddr string, now time.Time) error {
	if s.limits == nil || s.perAddress < 0 {
		return nil
	}
	_, taken, err := s.limits.Take(ctx, "register:addr:"+sso.AddressBucket(remoteAddr), s.perAddress, RegistrationWindow, now)
	if err != nil {
		return err
	}
	if !taken {
		return &sso.Error{Code: sso.CodeTooManyRequests, RetryAfter: RegistrationWindow,
			Message: fmt.Sprintf("too many registrations from this address; at most %d per %d minutes", s.perAddress, int(RegistrationWindow/time.Minute))}
	}
	return nil
}

func checkGrants(in []string) ([]string, error) {
	if len(in) > maxGrantTypes {
		return nil, sso.Errorf(sso.CodeInvalidClientMetadata, "too many grantTypes")
	}
	var out []string
	for _, g := range in {
		c, ok := CanonicalGrant(g)
		if !ok {
			return nil, sso.Errorf(sso.CodeUnsupportedGrantType, "grant type %q is not supported; use %s, %s or %s",
				truncate(g), wire.GrantDeviceCode, wire.GrantAuthorizationCode, wire.GrantRefreshToken)
		}
		if !sso.ContainsString(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func checkScopes(scopes []string) error {
	if len(scopes) > MaxScopes {
		return sso.Errorf(sso.CodeInvalidScope, "too many scopes: at most %d", MaxScopes)
	}
	for _, sc := range scopes {
		if !ValidScope(sc) {
			return sso.Errorf(sso.CodeInvalidScope, "scope %q is not a valid scope token", truncate(sc))
		}
	}
	return nil
}

// ValidScope reports whether s is a scope-token (RFC 6749 section 3.3) of
// at most 256 characters.
func ValidScope(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}

// checkRedirects allows what RFC 8252 allows a native app (sso.CheckNativeRedirectURI):
// anyone may register, so a registration must not make /authorize a
// redirector to a web site of its choosing. https redirect URIs belong to
// applications an administrator declares (iam.applications).
func checkRedirects(uris []string, grants []string) error {
	if len(uris) > MaxRedirectURIs {
		return sso.Errorf(sso.CodeInvalidRedirectURI, "too many redirectUris: at most %d", MaxRedirectURIs)
	}
	for _, u := range uris {
		if len(u) > MaxURILen {
			return sso.Errorf(sso.CodeInvalidRedirectURI, "redirect URI is longer than %d bytes", MaxURILen)
		}
		if reason, ok := sso.CheckNativeRedirectURI(u); !ok {
			return sso.Errorf(sso.CodeInvalidRedirectURI, "%s: %q", reason, truncate(u))
		}
	}
	if sso.ContainsString(grants, wire.GrantAuthorizationCode) && len(uris) == 0 {
		return sso.Errorf(sso.CodeInvalidRedirectURI, "the authorization_code grant needs at least one redirect URI")
	}
	return nil
}

// Authenticate returns the client whose id and secret these are. Missing
// members are InvalidRequest; an unknown client, a wrong secret or an
// expired registration are all InvalidClient (401), with messages that
// tell the caller what to do but not which check failed first.
func (s *Service) Authenticate(ctx context.Context, id, secret *string) (sso.Client, error) {
	if id == nil || *id == "" {
		return sso.Client{}, sso.Errorf(sso.CodeInvalidRequest, "clientId is required")
	}
	if secret == nil || *secret == "" {
		return sso.Client{}, sso.Errorf(sso.CodeInvalidRequest, "clientSecret is required")
	}
	c, err := s.get(ctx, *id)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Client{}, sso.Errorf(sso.CodeInvalidClient, "invalid client credentials; register the client again")
	}
	if err != nil {
		return sso.Client{}, err
	}
	if !sso.Equal(c.SecretDigest, s.digester.Digest(sso.KindClientSecret, *secret)) {
		return sso.Client{}, sso.Errorf(sso.CodeInvalidClient, "invalid client credentials; register the client again")
	}
	if !s.now().Before(c.ExpiresAt) {
		return sso.Client{}, sso.Errorf(sso.CodeInvalidClient, "the client registration has expired; register the client again")
	}
	if s.unusedExpired(c) {
		return sso.Client{}, unusedExpired()
	}
	return c, nil
}

// unusedExpired reports whether c never started an authorization and its
// unused lifetime is over: it is as good as collected, whether or not the
// collector has run yet.
func (s *Service) unusedExpired(c sso.Client) bool {
	return !c.UnusedUntil.IsZero() && !s.now().Before(c.UnusedUntil)
}

func unusedExpired() error {
	return sso.Errorf(sso.CodeInvalidClient,
		"the client registration was never used and has expired; register the client again (the AWS CLI: delete its cached registration in ~/.aws/sso/cache)")
}

// MarkUsed records that c has started an authorization, so that it is not
// collected as an unused registration. A client already marked (or one
// never to be collected unused, like a declared application) costs
// nothing. A registration that is gone or past its unused lifetime is
// CodeInvalidClient.
func (s *Service) MarkUsed(ctx context.Context, c sso.Client) error {
	if c.UnusedUntil.IsZero() {
		return nil
	}
	if s.unusedExpired(c) {
		return unusedExpired()
	}
	err := s.store.MarkClientUsed(ctx, c.ID)
	if errors.Is(err, sso.ErrNotFound) {
		s.forget(c.ID)
		return sso.Errorf(sso.CodeInvalidClient, "invalid client credentials; register the client again")
	}
	if err != nil {
		return err
	}
	c.UnusedUntil = time.Time{}
	s.mu.Lock()
	if _, ok := s.cache[c.ID]; ok {
		s.cache[c.ID] = c
	}
	s.mu.Unlock()
	return nil
}

func (s *Service) forget(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
}

// Get returns the client with id, without authenticating it (for pages
// that show a client's name). Returns sso.ErrNotFound if none.
func (s *Service) Get(ctx context.Context, id string) (sso.Client, error) { return s.get(ctx, id) }

func (s *Service) get(ctx context.Context, id string) (sso.Client, error) {
	s.mu.RLock()
	c, ok := s.cache[id]
	s.mu.RUnlock()
	// A cached registration that looks unused past its day may have been
	// used through another node since it was cached: read it again.
	if ok && !s.unusedExpired(c) {
		return c, nil
	}
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	if len(s.cache) >= cacheMaxClients {
		clear(s.cache) // crude but bounded; registrations are cheap to reload
	}
	s.cache[id] = c
	s.mu.Unlock()
	return c, nil
}

// AllowsGrant reports whether c may use grant (canonical name). A client
// registered without grantTypes gets the device code and refresh grants,
// as AWS does for the AWS CLI's legacy registration.
func AllowsGrant(c sso.Client, grant string) bool {
	if len(c.GrantTypes) == 0 {
		return grant == wire.GrantDeviceCode || grant == wire.GrantRefreshToken
	}
	return sso.ContainsString(c.GrantTypes, grant)
}

// Refreshable reports whether tokens issued to c come with a refresh token:
// as with AWS, only a client registered with scopes gets one (a client
// without scopes gets a non-refreshable token that lasts the session), and
// only if it may use the refresh grant.
func Refreshable(c sso.Client) bool {
	return len(c.Scopes) > 0 && AllowsGrant(c, wire.GrantRefreshToken)
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
