package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc/internal/upstream"
)

// Config configures an OpenID Connect upstream.
type Config struct {
	// Name is the provider's display name, for messages to the person.
	Name string
	// Issuer is the issuer URL; discovery is at Issuer +
	// "/.well-known/openid-configuration", and ID tokens must name it
	// exactly (OpenID Connect Discovery 1.0 section 4.3).
	Issuer       string
	ClientID     string
	ClientSecret string // "" for a public client (PKCE alone)
	// RedirectURL is this server's callback for the provider, registered
	// there: PUBLIC_URL/upstream/ID/callback.
	RedirectURL string
	// Scopes are requested besides "openid"; default profile and email.
	Scopes []string
	// Claims name the claims the directory takes.
	Claims Claims
	// RequireVerifiedEmail refuses a person whose email_verified claim
	// (Claims.EmailVerified) is not true. Providers that never send the
	// claim (Entra ID) need it off.
	RequireVerifiedEmail bool
	// UserInfo fetches the UserInfo endpoint (OpenID Connect Core 5.3) and
	// takes the claims the ID token lacks from it, for providers that put
	// groups or profile claims only there.
	UserInfo bool
	// SigningAlgorithms are the JWS algorithms accepted for ID tokens;
	// default those the provider's discovery lists that go-oidc supports
	// (RS*, PS*, ES*, EdDSA; never none or HS*).
	SigningAlgorithms []string
	// HTTPClient reaches the provider; default one with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock ID tokens are checked against; default time.Now.
	Now func() time.Time
}

// Claims name, as dotted paths into the claims (realm_access.roles), the
// claims the directory takes. A claim name that itself holds dots
// (https://example.com/groups) is found whole first.
type Claims struct {
	UserName      string // default preferred_username, then email when it is absent
	Email         string // default email
	EmailVerified string // default email_verified
	DisplayName   string // default name
	// Groups is the claim listing the person's groups; default groups.
	// "-" manages no groups: memberships stay as they are.
	Groups string
}

func (c Claims) withDefaults() Claims {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.UserName, "preferred_username")
	def(&c.Email, "email")
	def(&c.EmailVerified, "email_verified")
	def(&c.DisplayName, "name")
	def(&c.Groups, "groups")
	return c
}

// unsafeAlgs are never accepted, whatever the config or discovery says:
// "none" is no signature, and an HMAC key would be the client secret,
// which the provider's other clients may not know but we are one of.
var unsafeAlgs = []string{"none", "HS256", "HS384", "HS512"}

// okAlgs are the algorithms go-oidc verifies.
var okAlgs = []string{gooidc.RS256, gooidc.RS384, gooidc.RS512, gooidc.ES256, gooidc.ES384, gooidc.ES512,
	gooidc.PS256, gooidc.PS384, gooidc.PS512, gooidc.EdDSA}

// Connector is an OpenID Connect upstream. It implements
// upstream.CallbackConnector.
type Connector struct {
	cfg Config

	mu       sync.Mutex
	provider *gooidc.Provider
	failedAt time.Time // the last failed discovery, to retry no more than every retryAfter
	lastErr  error
}

// retryAfter spaces discovery attempts of an unreachable provider.
const retryAfter = 10 * time.Second

// New checks cfg and returns a Connector. Discovery happens at the first
// sign-in (and again after a failure), so the server starts while the
// provider is down.
func New(cfg Config) (*Connector, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("issuer %q is not an http(s) URL without query or fragment", cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("client_id is required")
	}
	if cfg.RedirectURL == "" {
		return nil, errors.New("the redirect URL is required")
	}
	for _, a := range cfg.SigningAlgorithms {
		if slices.Contains(unsafeAlgs, a) || !slices.Contains(okAlgs, a) {
			return nil, fmt.Errorf("signing algorithm %q is not accepted (use one of %v)", a, okAlgs)
		}
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email"}
	}
	cfg.Claims = cfg.Claims.withDefaults()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Connector{cfg: cfg}, nil
}

// Kind is upstream.KindOIDC.
func (c *Connector) Kind() string { return upstream.KindOIDC }

// discover returns the provider's discovery, fetching it once.
func (c *Connector) discover(ctx context.Context) (*gooidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	if !c.failedAt.IsZero() && time.Since(c.failedAt) < retryAfter {
		return nil, c.lastErr
	}
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, c.cfg.HTTPClient), c.cfg.Issuer)
	if err != nil {
		c.failedAt, c.lastErr = time.Now(), upstream.Unavailable("OpenID Connect discovery of "+c.cfg.Issuer, err)
		return nil, c.lastErr
	}
	c.provider = p
	return p, nil
}

func (c *Connector) oauth(p *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.cfg.RedirectURL, Scopes: append([]string{gooidc.ScopeOpenID}, c.cfg.Scopes...)}
}

// LoginURL is the provider's authorization endpoint with the request:
// response_type=code, state, nonce, and the S256 PKCE challenge of the
// verifier (RFC 7636 section 4.3).
func (c *Connector) LoginURL(ctx context.Context, req upstream.Request) (string, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return c.oauth(p).AuthCodeURL(req.State, gooidc.Nonce(req.Nonce), oauth2.S256ChallengeOption(req.Verifier)), nil
}

// HandleCallback verifies the redirect back (OpenID Connect Core 3.1.2.5
// to 3.1.3.7): the provider's error, the issuer it names (RFC 9207), the
// code exchanged with the PKCE verifier, the ID token's signature,
// algorithm, issuer, audience, authorized party, expiry and nonce. Then it
// maps the claims.
func (c *Connector) HandleCallback(ctx context.Context, req upstream.Request, q url.Values) (upstream.Identity, error) {
	name := c.cfg.Name
	if e := q.Get("error"); e != "" {
		return upstream.Identity{}, upstream.Refuse("provider_error",
			fmt.Sprintf("%s did not sign you in (%s). Try again, or ask your administrator whether you may use this service.", name, clip(e, 64)),
			fmt.Errorf("the provider answered error=%q error_description=%q", clip(e, 64), clip(q.Get("error_description"), 256)))
	}
	// RFC 9207: a provider that names itself must be the one we sent the
	// person to (a mix-up attack sends the answer of another).
	if iss := q.Get("iss"); iss != "" && iss != c.cfg.Issuer {
		return upstream.Identity{}, refuseToken(name, fmt.Errorf("the authorization response names issuer %q", clip(iss, 256)))
	}
	code := q.Get("code")
	if code == "" {
		return upstream.Identity{}, upstream.Refuse("no_code",
			fmt.Sprintf("%s sent no authorization code. Go back to the sign-in page and start again.", name), errors.New("no code in the callback"))
	}
	p, err := c.discover(ctx)
	if err != nil {
		return upstream.Identity{}, err
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, c.cfg.HTTPClient)
	tok, err := c.oauth(p).Exchange(hctx, code, oauth2.VerifierOption(req.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// The provider refused the code: used, expired, or not ours.
			return upstream.Identity{}, upstream.Refuse("code_refused",
				fmt.Sprintf("%s did not accept this sign-in's code. Go back to the sign-in page and start again.", name),
				fmt.Errorf("token endpoint: %s", clip(re.ErrorCode+" "+re.ErrorDescription, 256)))
		}
		return upstream.Identity{}, upstream.Unavailable("the token endpoint of "+c.cfg.Issuer, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return upstream.Identity{}, refuseToken(name, errors.New("the token response has no id_token"))
	}
	idt, claims, err := c.verify(ctx, p, raw, req.Nonce)
	if err != nil {
		return upstream.Identity{}, err
	}
	if c.cfg.UserInfo {
		if err := c.mergeUserInfo(hctx, p, tok, idt.Subject, claims); err != nil {
			return upstream.Identity{}, err
		}
	}
	return c.identity(idt, claims)
}

// verify checks the ID token and returns it with its claims.
func (c *Connector) verify(ctx context.Context, p *gooidc.Provider, raw, nonce string) (*gooidc.IDToken, map[string]any, error) {
	v := p.Verifier(&gooidc.Config{ClientID: c.cfg.ClientID, SupportedSigningAlgs: c.cfg.SigningAlgorithms, Now: c.cfg.Now})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, nil, refuseToken(c.cfg.Name, err)
	}
	// OpenID Connect Core 3.1.3.7 (11): the nonce must be the one we sent.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, nil, refuseToken(c.cfg.Name, errors.New("the ID token's nonce is not this sign-in's"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, nil, refuseToken(c.cfg.Name, err)
	}
	// 3.1.3.7 (4, 5): with several audiences, the authorized party must be
	// us.
	if azp, _ := claims["azp"].(string); len(idt.Audience) > 1 && azp != c.cfg.ClientID {
		return nil, nil, refuseToken(c.cfg.Name, fmt.Errorf("the ID token has audiences %v and authorized party %q", idt.Audience, azp))
	}
	return idt, claims, nil
}

// mergeUserInfo adds the UserInfo claims the ID token lacks. Its sub must
// be the ID token's (OpenID Connect Core 5.3.2).
func (c *Connector) mergeUserInfo(ctx context.Context, p *gooidc.Provider, tok *oauth2.Token, sub string, claims map[string]any) error {
	ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return upstream.Unavailable("the UserInfo endpoint of "+c.cfg.Issuer, err)
	}
	if ui.Subject != sub {
		return refuseToken(c.cfg.Name, fmt.Errorf("UserInfo is about sub %q, the ID token about %q", ui.Subject, sub))
	}
	var extra map[string]any
	if err := ui.Claims(&extra); err != nil {
		return refuseToken(c.cfg.Name, err)
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// refuseToken refuses an answer that did not verify.
func refuseToken(name string, cause error) error {
	return upstream.Refuse("token_invalid",
		fmt.Sprintf("%s's answer could not be verified, so you were not signed in. Go back to the sign-in page and try again; if it happens again, tell your administrator.", name),
		cause)
}

// clip bounds a string that came from outside before it is shown or
// logged.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
