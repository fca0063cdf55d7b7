package clients

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultLifetime is how long a registration lasts unless configured: about
// what AWS gives (the Smithy example shows 91 days).
const DefaultLifetime = 90 * 24 * time.Hour

// Limits on what a registration may carry.
const (
	maxNameLen      = 256
	maxListLen      = 50
	maxURILen       = 2048
	cacheMaxClients = 10000
)

// Options configure a Service.
type Options struct {
	// Lifetime of a registration (the client secret's expiry).
	Lifetime time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Service registers and authenticates clients.
type Service struct {
	store    sso.ClientStore
	digester *sso.Digester
	lifetime time.Duration
	now      func() time.Time

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
	return &Service{store: store, digester: d, lifetime: opts.Lifetime, now: opts.Now, cache: map[string]sso.Client{}}
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

// Register validates req and stores a new public client.
func (s *Service) Register(ctx context.Context, req wire.RegisterClientRequest) (wire.RegisterClientResponse, error) {
	if req.ClientName == nil || *req.ClientName == "" {
		return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidRequest, "clientName is required")
	}
	if len(*req.ClientName) > maxNameLen {
		return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidClientMetadata, "clientName is longer than %d characters", maxNameLen)
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
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(*req.IssuerURL) > maxURILen {
			return wire.RegisterClientResponse{}, sso.Errorf(sso.CodeInvalidClientMetadata, "issuerUrl must be an absolute http(s) URL")
		}
		issuer = *req.IssuerURL
	}

	now := s.now()
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

func checkGrants(in []string) ([]string, error) {
	if len(in) > maxListLen {
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
	if len(scopes) > maxListLen {
		return sso.Errorf(sso.CodeInvalidScope, "too many scopes")
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

func checkRedirects(uris []string, grants []string) error {
	if len(uris) > maxListLen {
		return sso.Errorf(sso.CodeInvalidRedirectURI, "too many redirectUris")
	}
	for _, u := range uris {
		if len(u) > maxURILen {
			return sso.Errorf(sso.CodeInvalidRedirectURI, "redirect URI is longer than %d characters", maxURILen)
		}
		if reason, ok := sso.CheckRedirectURI(u); !ok {
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
	return c, nil
}

// Get returns the client with id, without authenticating it (for pages
// that show a client's name). Returns sso.ErrNotFound if none.
func (s *Service) Get(ctx context.Context, id string) (sso.Client, error) { return s.get(ctx, id) }

func (s *Service) get(ctx context.Context, id string) (sso.Client, error) {
	s.mu.RLock()
	c, ok := s.cache[id]
	s.mu.RUnlock()
	if ok {
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
