package iamtoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Key cache timing: keys are refetched after jwksTTL, and at once when an
// assertion names an unknown kid (the issuer rotated), but not more often
// than jwksMinRefetch, so a stream of forged kids cannot turn us into a
// load generator against the issuer.
const (
	jwksTTL        = time.Hour
	jwksMinRefetch = 30 * time.Second
	maxJWKSBody    = 1 << 20
	// leeway for exp, nbf and iat: clocks of two organisations differ.
	leeway = time.Minute
)

// assertionAlgs are the signature algorithms accepted from trusted token
// issuers: asymmetric only (no HS*, which would need a shared secret, and
// never "none").
var assertionAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// issuer is one application's trust in a token issuer: the issuer's
// record with the audiences the application accepts from it. Issuers with
// the same URL and keys share one keyCache.
type issuer struct {
	url       string
	jwksURL   string
	inline    *jose.JSONWebKeySet
	keys      *keyCache
	audiences []string
	userClaim string // a claim name, or a dotted path into nested claims
	userAttr  string // AttrUserName or AttrEmail
}

type keyCache struct {
	mu      sync.Mutex
	set     *jose.JSONWebKeySet
	fetched time.Time // of set
	tried   time.Time // last attempt, successful or not
}

// issuerFor returns how the application a trusts the issuer of an
// assertion whose iss claim is iss: the first of a's authorized issuers
// whose record has that URL, or nil.
func (s *Service) issuerFor(ctx context.Context, a *app, iss string) (*issuer, error) {
	for _, ai := range a.issuers {
		t, err := s.cfg.Apps.GetTrustedTokenIssuer(ctx, ai.IssuerARN)
		if errors.Is(err, sso.ErrNotFound) {
			continue // deleted since the grant named it
		}
		if err != nil {
			return nil, err
		}
		if t.IssuerURL != iss {
			continue
		}
		out := &issuer{url: t.IssuerURL, jwksURL: t.JWKSURL, audiences: ai.Audiences, userClaim: t.ClaimAttributePath,
			userAttr: t.IdentityStoreAttributePath}
		if out.userClaim == "" {
			out.userClaim = "sub"
		}
		key := t.IssuerURL + "\x00" + t.JWKSURL + "\x00" + string(t.JWKS)
		s.keysMu.Lock()
		c, ok := s.keyCaches[key]
		if !ok {
			c = &keyCache{}
			if len(t.JWKS) > 0 {
				set, err := inlineKeys(t.JWKS)
				if err != nil {
					s.keysMu.Unlock()
					return nil, fmt.Errorf("trusted token issuer %s: %w", t.ARN, err)
				}
				c.set, c.fetched = set, farFuture
			}
			s.keyCaches[key] = c
		}
		s.keysMu.Unlock()
		if len(t.JWKS) > 0 {
			out.inline = c.set
		}
		out.keys = c
		return out, nil
	}
	return nil, nil
}

// fetcher gets issuers' keys over HTTP.
type fetcher struct {
	client *http.Client
	now    func() time.Time
}

// key returns the issuer's key for a JWS header: by kid, or the only key
// of a one-key set when the header has no kid.
func (f *fetcher) key(ctx context.Context, i *issuer, h jose.Header) (*jose.JSONWebKey, error) {
	if i.inline != nil {
		return pick(i.inline, h), nil
	}
	c := i.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	now := f.now()
	if c.set != nil && now.Sub(c.fetched) < jwksTTL {
		if k := pick(c.set, h); k != nil {
			return k, nil
		}
	}
	if c.set != nil && now.Sub(c.tried) < jwksMinRefetch {
		return pick(c.set, h), nil // fetched a moment ago: no new keys yet
	}
	c.tried = now
	set, err := f.fetch(ctx, i)
	if err != nil {
		if c.set != nil {
			// Keep serving the keys we have while the issuer is away.
			return pick(c.set, h), nil
		}
		return nil, err
	}
	c.set, c.fetched = set, now
	return pick(set, h), nil
}

func pick(set *jose.JSONWebKeySet, h jose.Header) *jose.JSONWebKey {
	var cands []jose.JSONWebKey
	if h.KeyID != "" {
		cands = set.Key(h.KeyID)
	} else if len(set.Keys) == 1 {
		cands = set.Keys
	}
	for i := range cands {
		k := &cands[i]
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			continue
		}
		return k
	}
	return nil
}

// fetch reads the issuer's JWKS, discovering its URL from the issuer's
// OpenID configuration when none is configured.
func (f *fetcher) fetch(ctx context.Context, i *issuer) (*jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := i.jwksURL
	if u == "" {
		var disc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := f.getJSON(ctx, strings.TrimRight(i.url, "/")+"/.well-known/openid-configuration", &disc); err != nil {
			return nil, err
		}
		if disc.JWKSURI == "" {
			return nil, fmt.Errorf("issuer %s: its OpenID configuration has no jwks_uri", i.url)
		}
		u = disc.JWKSURI
	}
	var set jose.JSONWebKeySet
	if err := f.getJSON(ctx, u, &set); err != nil {
		return nil, err
	}
	var public []jose.JSONWebKey
	for _, k := range set.Keys {
		if k.IsPublic() && k.Valid() {
			public = append(public, k)
		}
	}
	if len(public) == 0 {
		return nil, fmt.Errorf("issuer %s: %s holds no public keys", i.url, u)
	}
	return &jose.JSONWebKeySet{Keys: public}, nil
}

func (f *fetcher) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching %s: status %d", u, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBody+1))
	if err != nil {
		return fmt.Errorf("fetching %s: %w", u, err)
	}
	if len(b) > maxJWKSBody {
		return fmt.Errorf("fetching %s: larger than %d bytes", u, maxJWKSBody)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("fetching %s: %w", u, err)
	}
	return nil
}

// assertion is a verified jwt-bearer assertion.
type assertion struct {
	user string // the value of the issuer's user claim
	attr string // the directory attribute it matches
}

// verifyAssertion checks a jwt-bearer assertion for a (RFC 7523 section
// 3): a JWS from one of a's trusted issuers, signed with that issuer's
// key, with iss, an aud a accepts, and exp; nbf and iat are honoured.
// Every failure is InvalidGrant with a message saying which check failed.
func (s *Service) verifyAssertion(ctx context.Context, a *app, raw string) (assertion, error) {
	invalid := func(msg string) (assertion, error) {
		return assertion{}, sso.Errorf(sso.CodeInvalidGrant, "%s", msg)
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return invalid("the assertion is not a JWT signed with an asymmetric algorithm")
	}
	var claims jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return invalid("the assertion's claims are not valid JSON claims")
	}
	iss, err := s.issuerFor(ctx, a, claims.Issuer)
	if err != nil {
		return assertion{}, &sso.Error{Code: sso.CodeInternal, Message: "trusted token issuer", Err: err}
	}
	if iss == nil {
		return invalid("the assertion was not issued by a trusted token issuer of this application")
	}
	if len(iss.audiences) == 0 {
		// Never accept any audience: another application's assertion
		// would do.
		return invalid("the application names no audience for this trusted token issuer")
	}
	key, err := s.fetch.key(ctx, iss, tok.Headers[0])
	if err != nil {
		return assertion{}, &sso.Error{Code: sso.CodeInternal, Message: "trusted token issuer keys", Err: err}
	}
	if key == nil {
		return invalid("the assertion is signed with a key its issuer does not publish")
	}
	claims = jwt.Claims{}
	all := map[string]any{}
	if err := tok.Claims(key.Key, &claims, &all); err != nil {
		return invalid("the assertion's signature does not verify with its issuer's keys")
	}
	if claims.Expiry == nil {
		return invalid("the assertion has no exp claim")
	}
	err = claims.ValidateWithLeeway(jwt.Expected{Issuer: iss.url, AnyAudience: iss.audiences, Time: s.cfg.Now()}, leeway)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrExpired):
		return invalid("the assertion has expired")
	case errors.Is(err, jwt.ErrNotValidYet):
		return invalid("the assertion is not valid yet (nbf)")
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return invalid("the assertion is issued in the future (iat)")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return invalid("the assertion's audience is not one this application accepts")
	default:
		return invalid("the assertion's claims are not valid")
	}
	user, ok := claimAt(all, iss.userClaim).(string)
	if !ok || user == "" {
		return invalid("the assertion has no " + iss.userClaim + " claim to identify the user")
	}
	return assertion{user: user, attr: iss.userAttr}, nil
}

// claimAt returns the claim at path: a claim name, or names joined by
// dots into nested objects (a name with a dot of its own is tried whole
// first).
func claimAt(claims map[string]any, path string) any {
	if v, ok := claims[path]; ok {
		return v
	}
	head, rest, ok := strings.Cut(path, ".")
	if !ok {
		return nil
	}
	inner, ok := claims[head].(map[string]any)
	if !ok {
		return nil
	}
	return claimAt(inner, rest)
}
