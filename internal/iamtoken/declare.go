package iamtoken

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// SourceConfig marks the applications and trusted token issuers the config
// file declares: declared again at every start, and deleted when the file
// no longer declares them.
const SourceConfig = "config"

// Application is an application as the config file declares it
// (iam.applications): the second way to make the records the SSO Admin
// API makes (CreateApplication, PutApplicationGrant,
// PutApplicationAccessScope, PutApplicationAuthenticationMethod,
// CreateTrustedTokenIssuer).
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
// grant accepts, as the config file declares it.
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

// Records checks the declared applications and returns the records they
// declare: the applications and the trusted token issuers they name (one
// record per distinct issuer, with an ARN derived from what it is, so a
// restart declares the same records).
func Records(apps []Application) ([]sso.Application, []sso.TrustedTokenIssuer, error) {
	var out []sso.Application
	var issuers []sso.TrustedTokenIssuer
	seen, seenIssuer := map[string]bool{}, map[string]bool{}
	for _, a := range apps {
		rec, iss, err := record(a)
		if err != nil {
			return nil, nil, err
		}
		if seen[rec.ARN] {
			return nil, nil, fmt.Errorf("application %s is configured twice", rec.ARN)
		}
		seen[rec.ARN] = true
		out = append(out, rec)
		for _, t := range iss {
			if !seenIssuer[t.ARN] {
				seenIssuer[t.ARN] = true
				issuers = append(issuers, t)
			}
		}
	}
	return out, issuers, nil
}

func record(a Application) (sso.Application, []sso.TrustedTokenIssuer, error) {
	m := arnPattern.FindStringSubmatch(a.ARN)
	if m == nil {
		return sso.Application{}, nil, fmt.Errorf("application %q: the ARN must look like arn:aws:sso::123456789012:application/ssoins-xxxxxxxxxxxxxxxx/apl-xxxxxxxxxxxxxxxx", a.ARN)
	}
	fail := func(format string, args ...any) (sso.Application, []sso.TrustedTokenIssuer, error) {
		return sso.Application{}, nil, fmt.Errorf("application %s: %s", a.ARN, fmt.Sprintf(format, args...))
	}
	rec := sso.Application{ARN: a.ARN, Name: a.Name, ProviderARN: CustomProviderARN, Status: sso.Enabled, Source: SourceConfig}
	if rec.Name == "" {
		rec.Name = a.ARN
	}
	if len(a.GrantTypes) == 0 {
		return fail("grant_types is empty")
	}
	grants := map[string]bool{}
	for _, g := range a.GrantTypes {
		c, ok := grantNames[g]
		if !ok {
			return fail("unknown grant type %q", g)
		}
		grants[c] = true
	}
	for _, s := range a.Scopes {
		if !clients.ValidScope(s) {
			return fail("scope %q is not a scope token", s)
		}
		rec.Scopes = append(rec.Scopes, sso.AccessScope{Scope: s})
	}
	for _, u := range a.RedirectURIs {
		if reason, ok := sso.CheckRedirectURI(u); !ok {
			return fail("redirect URI %q: %s", u, reason)
		}
	}
	if grants[wire.GrantAuthorizationCode] && len(a.RedirectURIs) == 0 {
		return fail("the authorization_code grant needs redirect_uris")
	}
	if len(a.Principals) == 0 {
		return fail("principals is empty: no IAM principal could call for it")
	}
	for _, p := range a.Principals {
		if !sso.ValidAccountID(p) && !strings.HasPrefix(p, "arn:") {
			return fail("principal %q is neither an ARN nor a 12-digit account id", p)
		}
	}
	rec.ActorPolicy = ActorPolicyFor(a.Principals)
	if grants[wire.GrantJWTBearer] && len(a.TrustedTokenIssuers) == 0 {
		return fail("the jwt-bearer grant needs trusted_token_issuers")
	}
	var issuers []sso.TrustedTokenIssuer
	var authorized []sso.AuthorizedIssuer
	for _, t := range a.TrustedTokenIssuers {
		iss, err := issuerRecord(t, m[2], m[3])
		if err != nil {
			return fail("%v", err)
		}
		issuers = append(issuers, iss)
		authorized = append(authorized, sso.AuthorizedIssuer{IssuerARN: iss.ARN, Audiences: t.Audiences})
	}
	// Grants in a fixed order, so a restart declares the same record.
	for _, g := range []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken, wire.GrantJWTBearer, wire.GrantTokenExchange} {
		if !grants[g] {
			continue
		}
		ag := sso.AppGrant{Type: g}
		switch g {
		case wire.GrantAuthorizationCode:
			ag.RedirectURIs = a.RedirectURIs
		case wire.GrantJWTBearer:
			ag.Issuers = authorized
		}
		rec.Grants = append(rec.Grants, ag)
	}
	return rec, issuers, nil
}

// issuerRecord checks a declared issuer and returns its record, in the
// account and instance of the application that declares it.
func issuerRecord(t TrustedTokenIssuer, account, instance string) (sso.TrustedTokenIssuer, error) {
	u, err := url.Parse(t.IssuerURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return sso.TrustedTokenIssuer{}, fmt.Errorf("trusted token issuer %q: issuer_url must be an absolute http(s) URL", t.Name)
	}
	if len(t.Audiences) == 0 {
		return sso.TrustedTokenIssuer{}, fmt.Errorf("trusted token issuer %s: audiences is empty", t.IssuerURL)
	}
	if t.JWKSURL != "" && len(t.JWKS) > 0 {
		return sso.TrustedTokenIssuer{}, fmt.Errorf("trusted token issuer %s: give jwks_url or jwks, not both", t.IssuerURL)
	}
	if len(t.JWKS) > 0 {
		if _, err := inlineKeys(t.JWKS); err != nil {
			return sso.TrustedTokenIssuer{}, fmt.Errorf("trusted token issuer %s: %w", t.IssuerURL, err)
		}
	}
	if t.UserClaim == "" {
		t.UserClaim = "sub"
	}
	if t.Name == "" {
		t.Name = "config"
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{account, instance, t.Name, t.IssuerURL, t.JWKSURL, string(t.JWKS), t.UserClaim}, "\x00")))
	h := hex.EncodeToString(sum[:16])
	id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return sso.TrustedTokenIssuer{
		ARN:  "arn:aws:sso::" + account + ":trustedTokenIssuer/" + instance + "/tti-" + id,
		Name: t.Name, Type: "OIDC_JWT", IssuerURL: t.IssuerURL, Source: SourceConfig,
		ClaimAttributePath: t.UserClaim, IdentityStoreAttributePath: AttrUserName, JWKSRetrieval: "OPEN_ID_DISCOVERY",
		JWKSURL: t.JWKSURL, JWKS: t.JWKS,
	}, nil
}

// inlineKeys reads an inline JSON Web Key Set of public keys.
func inlineKeys(b []byte) (*jose.JSONWebKeySet, error) {
	set := &jose.JSONWebKeySet{}
	if err := json.Unmarshal(b, set); err != nil || len(set.Keys) == 0 {
		return nil, fmt.Errorf("jwks is not a JSON Web Key Set with keys")
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("jwks holds a private or symmetric key")
		}
	}
	return set, nil
}
