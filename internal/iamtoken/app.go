package iamtoken

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultScopes are the scopes every application has besides its own
// (WIRE.md 2.4: "including the default scopes openid, aws,
// sts:identity_context").
var DefaultScopes = []string{"openid", "aws", "sts:identity_context"}

// Scope names with a meaning here.
const (
	ScopeOpenID          = "openid"
	ScopeIdentityContext = "sts:identity_context"
)

// Application is a configured OAuth application of CreateTokenWithIAM.
type Application struct {
	// ARN is the clientId: arn:aws:sso::ACCOUNT:application/ssoins-.../apl-...
	ARN string
	// Name is shown on the consent page.
	Name string
	// GrantTypes are the grants it may use: authorization_code,
	// refresh_token, urn:ietf:params:oauth:grant-type:jwt-bearer,
	// urn:ietf:params:oauth:grant-type:token-exchange. Tokens come with a
	// refresh token only if refresh_token is among them.
	GrantTypes []string
	// RedirectURIs are where /authorize may send a code (authorization_code).
	RedirectURIs []string
	// Scopes are its scopes besides DefaultScopes.
	Scopes []string
	// TrustedTokenIssuers may issue assertions for the jwt-bearer grant.
	TrustedTokenIssuers []TrustedTokenIssuer
	// Principals may call CreateTokenWithIAM for it: IAM principal ARNs,
	// or 12-digit account ids for every principal of that account.
	Principals []string
}

// TrustedTokenIssuer is an external OIDC issuer whose JWTs the jwt-bearer
// grant accepts.
type TrustedTokenIssuer struct {
	Name string
	// IssuerURL must equal the assertion's iss claim.
	IssuerURL string
	// JWKSURL is where its keys are; when both it and JWKS are empty, the
	// issuer's /.well-known/openid-configuration names it.
	JWKSURL string
	// JWKS is an inline JSON Web Key Set, instead of JWKSURL.
	JWKS []byte
	// Audiences: the assertion's aud must contain one of them.
	Audiences []string
	// UserClaim is the claim whose value is the user's name in our
	// directory; "sub" when empty.
	UserClaim string
}

var arnPattern = regexp.MustCompile(`^arn:aws(-[a-z]+)*:sso::([0-9]{12}):application/(ssoins-[0-9A-Za-z]{1,64})/apl-[0-9A-Za-z]{1,64}$`)

// grantNames maps the spellings accepted in configuration to the wire
// grant types.
var grantNames = map[string]string{
	wire.GrantAuthorizationCode: wire.GrantAuthorizationCode,
	wire.GrantRefreshToken:      wire.GrantRefreshToken,
	wire.GrantJWTBearer:         wire.GrantJWTBearer,
	"jwt-bearer":                wire.GrantJWTBearer,
	"jwt_bearer":                wire.GrantJWTBearer,
	wire.GrantTokenExchange:     wire.GrantTokenExchange,
	"token-exchange":            wire.GrantTokenExchange,
	"token_exchange":            wire.GrantTokenExchange,
}

// app is an Application checked and ready to serve.
type app struct {
	Application
	account    string
	instance   string // ssoins-...
	scopes     []string
	grants     map[string]bool
	issuers    []*issuer
	principals map[string]bool
	client     sso.Client // as authcode and tokens see it
}

// farFuture is the registration expiry of an application: configured
// applications do not expire.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func compile(a Application, issuers map[string]*issuer) (*app, error) {
	m := arnPattern.FindStringSubmatch(a.ARN)
	if m == nil {
		return nil, fmt.Errorf("application %q: the ARN must look like arn:aws:sso::123456789012:application/ssoins-xxxxxxxxxxxxxxxx/apl-xxxxxxxxxxxxxxxx", a.ARN)
	}
	ap := &app{Application: a, account: m[2], instance: m[3], grants: map[string]bool{}, principals: map[string]bool{}}
	if ap.Name == "" {
		ap.Name = a.ARN
	}
	fail := func(format string, args ...any) (*app, error) {
		return nil, fmt.Errorf("application %s: %s", a.ARN, fmt.Sprintf(format, args...))
	}
	if len(a.GrantTypes) == 0 {
		return fail("grant_types is empty")
	}
	var grantList []string
	for _, g := range a.GrantTypes {
		c, ok := grantNames[g]
		if !ok {
			return fail("unknown grant type %q", g)
		}
		if !ap.grants[c] {
			ap.grants[c] = true
			grantList = append(grantList, c)
		}
	}
	ap.scopes = append([]string(nil), DefaultScopes...)
	for _, s := range a.Scopes {
		if !clients.ValidScope(s) {
			return fail("scope %q is not a scope token", s)
		}
		if !sso.ContainsString(ap.scopes, s) {
			ap.scopes = append(ap.scopes, s)
		}
	}
	for _, u := range a.RedirectURIs {
		if reason, ok := sso.CheckRedirectURI(u); !ok {
			return fail("redirect URI %q: %s", u, reason)
		}
	}
	if ap.grants[wire.GrantAuthorizationCode] && len(a.RedirectURIs) == 0 {
		return fail("the authorization_code grant needs redirect_uris")
	}
	if len(a.Principals) == 0 {
		return fail("principals is empty: no IAM principal could call for it")
	}
	for _, p := range a.Principals {
		if !sso.ValidAccountID(p) && !strings.HasPrefix(p, "arn:") {
			return fail("principal %q is neither an ARN nor a 12-digit account id", p)
		}
		ap.principals[p] = true
	}
	if ap.grants[wire.GrantJWTBearer] && len(a.TrustedTokenIssuers) == 0 {
		return fail("the jwt-bearer grant needs trusted_token_issuers")
	}
	for _, t := range a.TrustedTokenIssuers {
		iss, err := issuerFor(t, issuers)
		if err != nil {
			return fail("%v", err)
		}
		ap.issuers = append(ap.issuers, iss)
	}
	// What /authorize (package authcode) and the refresh grant (package
	// tokens) see: a client with the application's ARN, scopes, grants and
	// redirect URIs, that never expires.
	ap.client = sso.Client{
		ID: a.ARN, Name: ap.Name, Type: "application", Scopes: ap.scopes,
		GrantTypes: grantList, RedirectURIs: a.RedirectURIs, ExpiresAt: farFuture,
	}
	return ap, nil
}

// issuerFor returns the shared issuer for t: applications that trust the
// same issuer with the same keys share one key cache.
func issuerFor(t TrustedTokenIssuer, issuers map[string]*issuer) (*issuer, error) {
	u, err := url.Parse(t.IssuerURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("trusted token issuer %q: issuer_url must be an absolute http(s) URL", t.Name)
	}
	if len(t.Audiences) == 0 {
		return nil, fmt.Errorf("trusted token issuer %s: audiences is empty", t.IssuerURL)
	}
	if t.JWKSURL != "" && len(t.JWKS) > 0 {
		return nil, fmt.Errorf("trusted token issuer %s: give jwks_url or jwks, not both", t.IssuerURL)
	}
	if t.UserClaim == "" {
		t.UserClaim = "sub"
	}
	var inline *jose.JSONWebKeySet
	if len(t.JWKS) > 0 {
		inline = &jose.JSONWebKeySet{}
		if err := json.Unmarshal(t.JWKS, inline); err != nil || len(inline.Keys) == 0 {
			return nil, fmt.Errorf("trusted token issuer %s: jwks is not a JSON Web Key Set with keys", t.IssuerURL)
		}
		for _, k := range inline.Keys {
			if !k.IsPublic() {
				return nil, fmt.Errorf("trusted token issuer %s: jwks holds a private or symmetric key", t.IssuerURL)
			}
		}
	}
	key := t.IssuerURL + "\x00" + t.JWKSURL + "\x00" + string(t.JWKS)
	if iss, ok := issuers[key]; ok {
		return iss.with(t), nil
	}
	iss := &issuer{url: t.IssuerURL, jwksURL: t.JWKSURL, inline: inline, keys: &keyCache{}}
	issuers[key] = iss
	return iss.with(t), nil
}

// allows reports whether the principal (ARN, account) may call for a.
func (a *app) allows(arn, account string) bool {
	return a.principals[arn] || a.principals[account]
}

// downscope returns the scopes of a token: requested, each of which must be
// in granted, or granted when nothing is requested.
func downscope(granted, requested []string) ([]string, error) {
	if len(requested) == 0 {
		return granted, nil
	}
	var out []string
	for _, s := range requested {
		if !sso.ContainsString(granted, s) {
			return nil, sso.Errorf(sso.CodeInvalidScope, "the scope %q is not granted to this application or token", truncate(s))
		}
		if !sso.ContainsString(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
