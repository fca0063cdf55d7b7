package iamtoken_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/iamtoken/issuertest"
	"github.com/ssooidc/ssooidc/internal/keys"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/wire"
)

const (
	appARN   = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222"
	otherARN = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-3333333333333333"
	issuer   = "http://127.0.0.1:9999"
	audience = "ssooidc-test-app"
	redirect = "https://app.example.com/callback"
)

var (
	caller   = sigv4.Principal{ARN: "arn:aws:iam::123456789012:role/app", Account: "123456789012"}
	stranger = sigv4.Principal{ARN: "arn:aws:iam::999999999999:role/other", Account: "999999999999"}
)

type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) Advance(d time.Duration) { c.t.Add(int64(d)) }

type env struct {
	t     *testing.T
	svc   *iamtoken.Service
	store *sqlite.Store
	d     *sso.Digester
	keys  *keys.Set
	clk   *clock
	iss   *issuertest.Issuer
	alice sso.User
}

func newEnv(t *testing.T, edit ...func(*[]iamtoken.Application)) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{}
	clk.t.Store(time.Now().UnixNano())
	key, _ := sso.RandomKey()
	d := sso.NewDigester(key)
	ks, err := keys.New(store, keys.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	iss := issuertest.New(t)
	apps := []iamtoken.Application{{
		ARN: appARN, Name: "Test app",
		GrantTypes:   []string{"authorization_code", "refresh_token", "jwt-bearer", "token_exchange"},
		RedirectURIs: []string{redirect}, Scopes: []string{"app:read", "app:write"},
		TrustedTokenIssuers: []iamtoken.TrustedTokenIssuer{{IssuerURL: iss.URL, JWKSURL: iss.JWKSURL,
			Audiences: []string{audience}, UserClaim: "preferred_username"}},
		Principals: []string{caller.ARN},
	}, {
		ARN: otherARN, GrantTypes: []string{wire.GrantJWTBearer, wire.GrantTokenExchange},
		TrustedTokenIssuers: []iamtoken.TrustedTokenIssuer{{IssuerURL: iss.URL, Audiences: []string{"other"}}},
		Principals:          []string{"123456789012"},
	}}
	for _, e := range edit {
		e(&apps)
	}
	minter := tokens.NewMinter(d, 0, 0)
	reg := iamtoken.NewRegistry(store, iamtoken.RegistryOptions{InstanceID: "ssoins-1111111111111111", OwnerAccount: "123456789012", Now: clk.Now})
	if err := reg.Declare(ctx, apps); err != nil {
		t.Fatal(err)
	}
	svc, err := iamtoken.New(iamtoken.Config{
		Apps: store, Codes: store, Tokens: store, Users: store, Digester: d, Minter: minter,
		Refresh: &tokens.RefreshGrant{Store: store, Digester: d, Minter: minter, Grace: tokens.DefaultGrace, Now: clk.Now},
		Signer:  ks, Issuer: "http://127.0.0.1:8080", Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	alice := sso.User{ID: "u-alice", Name: "alice", CreatedAt: clk.Now()}
	if err := store.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, store: store, d: d, keys: ks, clk: clk, iss: iss, alice: alice}
}

func (e *env) call(p sigv4.Principal, req wire.CreateTokenWithIAMRequest) (wire.CreateTokenWithIAMResponse, error) {
	return e.svc.CreateTokenWithIAM(context.Background(), p, req)
}

func (e *env) assertion(claims map[string]any) string {
	base := map[string]any{"iss": e.iss.URL, "aud": audience, "sub": "00u1", "preferred_username": "alice",
		"iat": e.clk.Now().Unix(), "exp": e.clk.Now().Add(5 * time.Minute).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return e.iss.Sign(e.t, base)
}

func s(v string) *string { return &v }

func wantCode(t *testing.T, err error, code sso.Code, msg string) {
	t.Helper()
	if sso.CodeOf(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	var e *sso.Error
	if errors.As(err, &e) && !strings.Contains(e.Message, msg) {
		t.Errorf("message %q does not contain %q", e.Message, msg)
	}
}

// checkID verifies the ID token with our keys and returns its claims.
func (e *env) checkID(resp wire.CreateTokenWithIAMResponse, app string) iamtoken.IDClaims {
	e.t.Helper()
	if resp.IDToken == nil {
		e.t.Fatal("no ID token")
	}
	var c iamtoken.IDClaims
	if err := e.keys.Verify(context.Background(), *resp.IDToken, &c); err != nil {
		e.t.Fatal(err)
	}
	now := e.clk.Now().Unix()
	if c.Subject != e.alice.ID || c.Audience != app || c.Issuer != "http://127.0.0.1:8080" || c.Expiry <= now || c.IssuedAt > now {
		e.t.Errorf("claims %+v", c)
	}
	if resp.AWSAdditionalDetails == nil || *resp.AWSAdditionalDetails.IdentityContext != c.IdentityContext || c.IdentityContext == "" {
		e.t.Errorf("identity context missing or different from the claim")
	}
	return c
}

func TestJWTBearer(t *testing.T) {
	e := newEnv(t)
	resp, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(e.assertion(nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.AccessToken, "aoa") || resp.RefreshToken == nil || resp.TokenType != "Bearer" ||
		resp.ExpiresIn != 3600 || *resp.IssuedTokenType != wire.TokenTypeRefreshToken {
		t.Errorf("response %+v", resp)
	}
	if got := strings.Join(resp.Scope, " "); got != "openid aws sts:identity_context app:read app:write" {
		t.Errorf("scope %q", got)
	}
	e.checkID(resp, appARN)
	at, fam, err := e.store.GetAccessToken(context.Background(), e.d.Digest(sso.KindAccessToken, resp.AccessToken))
	if err != nil || at.UserID != e.alice.ID || fam.ClientID != appARN {
		t.Fatalf("stored %+v %+v %v", at, fam, err)
	}

	// Downscoping: only what is asked, and only what the application has.
	resp, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer),
		Assertion: s(e.assertion(nil)), Scope: []string{"app:read"}})
	if err != nil || strings.Join(resp.Scope, " ") != "app:read" || resp.IDToken != nil {
		t.Errorf("downscoped: %+v %v (no openid, so no ID token)", resp, err)
	}
	_, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer),
		Assertion: s(e.assertion(nil)), Scope: []string{"openid", "admin"}})
	wantCode(t, err, sso.CodeInvalidScope, "admin")

	// The other application trusts the same issuer with another audience,
	// maps "sub", and has no refresh grant.
	_, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(otherARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(e.assertion(nil))})
	wantCode(t, err, sso.CodeInvalidGrant, "audience")
	resp, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(otherARN), GrantType: s(wire.GrantJWTBearer),
		Assertion: s(e.assertion(map[string]any{"aud": []string{"x", "other"}, "sub": "alice"}))})
	if err != nil || resp.RefreshToken != nil || *resp.IssuedTokenType != wire.TokenTypeAccessToken {
		t.Fatalf("other app: %+v %v", resp, err)
	}
	e.checkID(resp, otherARN)
}

func TestJWTBearerRejects(t *testing.T) {
	e := newEnv(t)
	now := e.clk.Now()
	stranger := issuertest.New(t)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	good := e.assertion(nil)
	parts := strings.Split(good, ".")
	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	hsTok, _ := jwt.Signed(hs).Claims(map[string]any{"iss": e.iss.URL, "aud": audience, "preferred_username": "alice", "exp": now.Add(time.Minute).Unix()}).Serialize()
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."
	for name, tc := range map[string]struct {
		assertion string
		msg       string
	}{
		"untrusted issuer":  {stranger.Sign(t, map[string]any{"iss": stranger.URL, "aud": audience, "preferred_username": "alice", "exp": now.Add(time.Minute).Unix()}), "not issued by a trusted token issuer"},
		"forged iss":        {stranger.Sign(t, map[string]any{"iss": e.iss.URL, "aud": audience, "preferred_username": "alice", "exp": now.Add(time.Minute).Unix()}), "signature does not verify"},
		"unpublished key":   {issuertest.SignWith(t, otherKey, "nope", map[string]any{"iss": e.iss.URL, "aud": audience, "preferred_username": "alice", "exp": now.Add(time.Minute).Unix()}), "key its issuer does not publish"},
		"expired":           {e.assertion(map[string]any{"exp": now.Add(-2 * time.Minute).Unix()}), "expired"},
		"not yet valid":     {e.assertion(map[string]any{"nbf": now.Add(5 * time.Minute).Unix()}), "not valid yet"},
		"issued in future":  {e.assertion(map[string]any{"iat": now.Add(5 * time.Minute).Unix()}), "future"},
		"wrong audience":    {e.assertion(map[string]any{"aud": "someone-else"}), "audience"},
		"no exp":            {e.assertion(map[string]any{"exp": nil}), "no exp"},
		"no user claim":     {e.assertion(map[string]any{"preferred_username": nil}), "no preferred_username claim"},
		"unknown user":      {e.assertion(map[string]any{"preferred_username": "mallory"}), "not in this server's directory"},
		"tampered payload":  {parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+e.iss.URL+`","aud":"`+audience+`","preferred_username":"alice","exp":9999999999}`)) + "." + parts[2], "signature does not verify"},
		"HS256":             {hsTok, "asymmetric"},
		"alg none":          {none, "asymmetric"},
		"not a JWT":         {"hello", "asymmetric"},
		"encrypted or junk": {"a.b.c.d.e", "asymmetric"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(tc.assertion)})
			wantCode(t, err, sso.CodeInvalidGrant, tc.msg)
			if resp.AccessToken != "" {
				t.Error("a token with an error")
			}
		})
	}
	_, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer)})
	wantCode(t, err, sso.CodeInvalidRequest, "assertion is required")
}

// TestIssuerKeyRotation: a new issuer key is fetched when an assertion
// names it; forged kids do not make us fetch more than once in 30 s.
func TestIssuerKeyRotation(t *testing.T) {
	e := newEnv(t)
	req := func() error {
		_, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(e.assertion(nil))})
		return err
	}
	if err := req(); err != nil {
		t.Fatal(err)
	}
	if n := e.iss.Fetches.Load(); n != 1 {
		t.Fatalf("%d fetches", n)
	}
	e.clk.Advance(time.Minute)
	e.iss.Rotate(t)
	if err := req(); err != nil {
		t.Fatalf("after the issuer rotated: %v", err)
	}
	if n := e.iss.Fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after rotation", n)
	}
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	for i := range 20 {
		forged := issuertest.SignWith(t, k, "forged-"+string(rune('a'+i)), map[string]any{"iss": e.iss.URL, "aud": audience, "preferred_username": "alice", "exp": e.clk.Now().Add(time.Minute).Unix()})
		_, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(forged)})
		wantCode(t, err, sso.CodeInvalidGrant, "does not publish")
	}
	if n := e.iss.Fetches.Load(); n != 2 {
		t.Errorf("forged kids caused %d fetches", n-2)
	}
}

func TestPipeline(t *testing.T) {
	e := newEnv(t)
	a := e.assertion(nil)
	for name, tc := range map[string]struct {
		p    sigv4.Principal
		req  wire.CreateTokenWithIAMRequest
		code sso.Code
		msg  string
	}{
		"no clientId":       {caller, wire.CreateTokenWithIAMRequest{GrantType: s(wire.GrantJWTBearer)}, sso.CodeInvalidRequest, "clientId"},
		"no grantType":      {caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN)}, sso.CodeInvalidRequest, "grantType"},
		"unknown app":       {caller, wire.CreateTokenWithIAMRequest{ClientID: s(strings.Replace(appARN, "2222", "4444", 1)), GrantType: s(wire.GrantJWTBearer)}, sso.CodeInvalidClient, "not the ARN"},
		"principal denied":  {stranger, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: &a}, sso.CodeAccessDenied, "is not authorized to perform: sso-oauth:CreateTokenWithIAM"},
		"other role denied": {sigv4.Principal{ARN: "arn:aws:iam::123456789012:role/x", Account: "123456789012"}, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: &a}, sso.CodeAccessDenied, "role/x"},
		"device code grant": {caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantDeviceCode)}, sso.CodeUnsupportedGrantType, "not supported"},
		"grant not allowed": {caller, wire.CreateTokenWithIAMRequest{ClientID: s(otherARN), GrantType: s(wire.GrantRefreshToken), RefreshToken: s("x")}, sso.CodeUnauthorizedClient, "refresh_token"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.call(tc.p, tc.req)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
	// The other application allows a whole account.
	if _, err := e.call(sigv4.Principal{ARN: "arn:aws:iam::123456789012:user/z", Account: "123456789012"},
		wire.CreateTokenWithIAMRequest{ClientID: s(otherARN), GrantType: s(wire.GrantJWTBearer),
			Assertion: s(e.assertion(map[string]any{"aud": "other", "sub": "alice"}))}); err != nil {
		t.Errorf("account principal: %v", err)
	}
}

// code stores an authorization code for app as /authorize would.
func (e *env) code(app, verifier string, scopes []string) string {
	e.t.Helper()
	code := sso.RandomSecret()
	sum := sha256.Sum256([]byte(verifier))
	now := e.clk.Now()
	if err := e.store.CreateAuthCode(context.Background(), sso.AuthCode{
		Digest: e.d.Digest(sso.KindAuthCode, code), ClientID: app, UserID: e.alice.ID, RedirectURI: redirect,
		Challenge: base64.RawURLEncoding.EncodeToString(sum[:]), Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute),
	}); err != nil {
		e.t.Fatal(err)
	}
	return code
}

func TestAuthorizationCodeAndRefresh(t *testing.T) {
	e := newEnv(t)
	verifier := strings.Repeat("v", 50)
	scopes := []string{"openid", "aws", "sts:identity_context", "app:read"}
	redeem := func(code, verifier, redirectURI string, scope ...string) (wire.CreateTokenWithIAMResponse, error) {
		return e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantAuthorizationCode),
			Code: &code, CodeVerifier: &verifier, RedirectURI: &redirectURI, Scope: scope})
	}
	code := e.code(appARN, verifier, scopes)
	resp, err := redeem(code, verifier, redirect, "openid", "sts:identity_context", "app:read")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(resp.Scope, " ") != "openid sts:identity_context app:read" || resp.RefreshToken == nil {
		t.Fatalf("response %+v", resp)
	}
	first := e.checkID(resp, appARN)

	t.Run("refresh", func(t *testing.T) {
		e.clk.Advance(time.Minute)
		out, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantRefreshToken), RefreshToken: resp.RefreshToken})
		if err != nil {
			t.Fatal(err)
		}
		if out.AccessToken == resp.AccessToken || *out.RefreshToken == *resp.RefreshToken || *out.IssuedTokenType != wire.TokenTypeRefreshToken {
			t.Errorf("not rotated: %+v", out)
		}
		// The family keeps its scopes; the ID token names the same session.
		if strings.Join(out.Scope, " ") != "openid sts:identity_context app:read" {
			t.Errorf("scope %v", out.Scope)
		}
		if c := e.checkID(out, appARN); c.CredentialID != first.CredentialID || c.AuthTime != first.AuthTime {
			t.Errorf("refreshed ID token names another session: %+v vs %+v", c, first)
		}
		_, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantRefreshToken), RefreshToken: out.RefreshToken, Scope: []string{"app:write"}})
		wantCode(t, err, sso.CodeInvalidScope, "app:write")
		// The refused refresh rotated nothing: the token is still unused.
		if r, _, err := e.store.GetRefreshToken(context.Background(), e.d.Digest(sso.KindRefreshToken, *out.RefreshToken)); err != nil || !r.UsedAt.IsZero() {
			t.Errorf("a refresh refused for its scope used the token: %+v %v", r, err)
		}
		_, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantRefreshToken), RefreshToken: s("aor-nope")})
		wantCode(t, err, sso.CodeInvalidGrant, "invalid")
	})
	t.Run("refresh token of another client", func(t *testing.T) {
		issue, tok := tokens.NewMinter(e.d, 0, 0).Mint(sso.Client{ID: "registered", Scopes: []string{"sso:account:access"}}, e.alice.ID, e.clk.Now())
		if err := e.store.CreateFamily(context.Background(), issue); err != nil {
			t.Fatal(err)
		}
		_, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantRefreshToken), RefreshToken: tok.RefreshToken})
		wantCode(t, err, sso.CodeInvalidGrant, "another client")
	})
	t.Run("reuse revokes", func(t *testing.T) {
		_, err := redeem(code, verifier, redirect)
		wantCode(t, err, sso.CodeInvalidGrant, "already been used")
		_, fam, _ := e.store.GetAccessToken(context.Background(), e.d.Digest(sso.KindAccessToken, resp.AccessToken))
		if !fam.Revoked() {
			t.Error("the first redemption's tokens are not revoked")
		}
	})
	t.Run("faults", func(t *testing.T) {
		_, err := redeem(e.code(appARN, verifier, scopes), strings.Repeat("w", 50), redirect)
		wantCode(t, err, sso.CodeInvalidGrant, "codeVerifier")
		_, err = redeem(e.code(appARN, verifier, scopes), verifier, redirect+"x")
		wantCode(t, err, sso.CodeInvalidGrant, "redirectUri")
		_, err = redeem(e.code(otherARN, verifier, scopes), verifier, redirect)
		wantCode(t, err, sso.CodeInvalidGrant, "another client")
		_, err = redeem(e.code(appARN, verifier, scopes), verifier, redirect, "app:write")
		wantCode(t, err, sso.CodeInvalidScope, "app:write")
		c := e.code(appARN, verifier, scopes)
		e.clk.Advance(6 * time.Minute)
		_, err = redeem(c, verifier, redirect)
		wantCode(t, err, sso.CodeInvalidGrant, "expired")
		_, err = redeem("", verifier, redirect)
		wantCode(t, err, sso.CodeInvalidRequest, "code is required")
	})
}

func TestTokenExchange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A token of a registered client (the AWS CLI), session ending in 2 h.
	issue, sub := tokens.NewMinter(e.d, time.Hour, 2*time.Hour).Mint(sso.Client{ID: "cli", Scopes: []string{"sso:account:access"}}, e.alice.ID, e.clk.Now())
	if err := e.store.CreateFamily(ctx, issue); err != nil {
		t.Fatal(err)
	}
	exchange := func(app, subject string, requested *string, scope ...string) (wire.CreateTokenWithIAMResponse, error) {
		return e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(app), GrantType: s(wire.GrantTokenExchange),
			SubjectToken: &subject, SubjectTokenType: s(wire.TokenTypeAccessToken), RequestedTokenType: requested, Scope: scope})
	}
	resp, err := exchange(appARN, sub.AccessToken, s(wire.TokenTypeAccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if resp.RefreshToken != nil || *resp.IssuedTokenType != wire.TokenTypeAccessToken || resp.ExpiresIn != 3600 {
		t.Errorf("access only: %+v", resp)
	}
	e.checkID(resp, appARN)
	_, fam, _ := e.store.GetAccessToken(ctx, e.d.Digest(sso.KindAccessToken, resp.AccessToken))
	if fam.ClientID != appARN || fam.UserID != e.alice.ID || fam.Refreshable {
		t.Errorf("family %+v", fam)
	}

	resp, err = exchange(appARN, sub.AccessToken, s(wire.TokenTypeRefreshToken), "app:read")
	if err != nil || resp.RefreshToken == nil || *resp.IssuedTokenType != wire.TokenTypeRefreshToken || strings.Join(resp.Scope, ",") != "app:read" {
		t.Fatalf("refresh requested: %+v %v", resp, err)
	}
	_, fam, _ = e.store.GetRefreshToken(ctx, e.d.Digest(sso.KindRefreshToken, *resp.RefreshToken))
	if fam.ExpiresAt.After(issue.Family.ExpiresAt) {
		t.Errorf("the exchanged session (%v) outlives the subject's (%v)", fam.ExpiresAt, issue.Family.ExpiresAt)
	}

	_, err = exchange(otherARN, sub.AccessToken, s(wire.TokenTypeRefreshToken))
	wantCode(t, err, sso.CodeUnauthorizedClient, "refresh_token")
	_, err = exchange(appARN, "aoa-not-ours", nil)
	wantCode(t, err, sso.CodeInvalidGrant, "not an access token issued by this server")
	_, err = exchange(appARN, sub.AccessToken, s(wire.TokenTypeIDToken))
	wantCode(t, err, sso.CodeInvalidRequest, "requestedTokenType")
	_, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantTokenExchange),
		SubjectToken: &sub.AccessToken, SubjectTokenType: s(wire.TokenTypeIDToken)})
	wantCode(t, err, sso.CodeInvalidRequest, "subjectTokenType")

	e.clk.Advance(61 * time.Minute)
	_, err = exchange(appARN, sub.AccessToken, nil)
	wantCode(t, err, sso.CodeExpiredToken, "expired")

	e.clk.Advance(-61 * time.Minute)
	if err := e.store.RevokeFamily(ctx, issue.Family.ID, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = exchange(appARN, sub.AccessToken, nil)
	wantCode(t, err, sso.CodeInvalidGrant, "revoked")
}

func TestConfigRejected(t *testing.T) {
	good := iamtoken.Application{ARN: appARN, GrantTypes: []string{"jwt-bearer"}, Principals: []string{"123456789012"},
		TrustedTokenIssuers: []iamtoken.TrustedTokenIssuer{{IssuerURL: issuer, Audiences: []string{"a"}}}}
	for name, edit := range map[string]func(*iamtoken.Application){
		"bad ARN":            func(a *iamtoken.Application) { a.ARN = "arn:aws:iam::123456789012:role/x" },
		"no grants":          func(a *iamtoken.Application) { a.GrantTypes = nil },
		"unknown grant":      func(a *iamtoken.Application) { a.GrantTypes = []string{"password"} },
		"code without URIs":  func(a *iamtoken.Application) { a.GrantTypes = []string{"authorization_code"} },
		"http redirect":      func(a *iamtoken.Application) { a.RedirectURIs = []string{"http://example.com/cb"} },
		"bad scope":          func(a *iamtoken.Application) { a.Scopes = []string{"two words"} },
		"no principals":      func(a *iamtoken.Application) { a.Principals = nil },
		"bad principal":      func(a *iamtoken.Application) { a.Principals = []string{"alice"} },
		"no issuers":         func(a *iamtoken.Application) { a.TrustedTokenIssuers = nil },
		"issuer without aud": func(a *iamtoken.Application) { a.TrustedTokenIssuers[0].Audiences = nil },
		"issuer not a URL":   func(a *iamtoken.Application) { a.TrustedTokenIssuers[0].IssuerURL = "example" },
		"jwks and jwks_url": func(a *iamtoken.Application) {
			a.TrustedTokenIssuers[0].JWKS, a.TrustedTokenIssuers[0].JWKSURL = []byte(`{"keys":[]}`), issuer
		},
		"inline jwks no keys": func(a *iamtoken.Application) { a.TrustedTokenIssuers[0].JWKS = []byte(`{"keys":[]}`) },
		"inline symmetric key": func(a *iamtoken.Application) {
			a.TrustedTokenIssuers[0].JWKS = []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)
		},
	} {
		a := good
		a.TrustedTokenIssuers = append([]iamtoken.TrustedTokenIssuer(nil), good.TrustedTokenIssuers...)
		edit(&a)
		if _, _, err := iamtoken.Records([]iamtoken.Application{a}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := iamtoken.Records([]iamtoken.Application{good, good}); err == nil {
		t.Error("duplicate application accepted")
	}
	if _, _, err := iamtoken.Records([]iamtoken.Application{good}); err != nil {
		t.Errorf("good: %v", err)
	}
}

// TestInlineJWKS: an issuer given by its key set is never fetched.
func TestInlineJWKS(t *testing.T) {
	iss := issuertest.New(t)
	const url = "https://login.example.com/tenant/v2.0"
	e := newEnv(t, func(apps *[]iamtoken.Application) {
		(*apps)[0].TrustedTokenIssuers = []iamtoken.TrustedTokenIssuer{{Name: "entra", IssuerURL: url, JWKS: iss.JWKS(),
			Audiences: []string{audience}, UserClaim: "preferred_username"}}
	})
	a := iss.Sign(t, map[string]any{"iss": url, "aud": audience, "preferred_username": "alice", "exp": e.clk.Now().Add(time.Minute).Unix()})
	if _, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: &a}); err != nil {
		t.Fatal(err)
	}
	if n := iss.Fetches.Load(); n != 0 {
		t.Errorf("inline JWKS fetched %d times", n)
	}
}

func TestResolveClient(t *testing.T) {
	e := newEnv(t)
	c, ok, err := e.svc.ResolveClient(context.Background(), appARN)
	if err != nil || !ok || c.Name != "Test app" || !sso.ContainsString(c.Scopes, "openid") || !sso.ContainsString(c.GrantTypes, wire.GrantAuthorizationCode) ||
		len(c.RedirectURIs) != 1 || !c.ExpiresAt.After(time.Now().Add(100*365*24*time.Hour)) {
		t.Errorf("client %+v", c)
	}
	if _, ok, _ := e.svc.ResolveClient(context.Background(), "registered-client-id"); ok {
		t.Error("resolved a non-ARN")
	}
	fallback := fakeClients{}
	got, err := e.svc.Clients(fallback).Get(context.Background(), "x")
	if err != nil || got.ID != "x" {
		t.Errorf("fallback: %+v %v", got, err)
	}
}

type fakeClients struct{}

func (fakeClients) Get(_ context.Context, id string) (sso.Client, error) {
	return sso.Client{ID: id}, nil
}

// TestDeclare: the config file's applications are declared into the
// store; declared again unchanged, nothing is written; one the file no
// longer declares is deleted, and what the API made stays.
func TestDeclare(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reg := iamtoken.NewRegistry(e.store, iamtoken.RegistryOptions{InstanceID: "ssoins-1111111111111111", OwnerAccount: "123456789012", Now: e.clk.Now})
	made, err := reg.CreateApplication(ctx, sso.Application{Name: "from the API", ProviderARN: iamtoken.CustomProviderARN})
	if err != nil {
		t.Fatal(err)
	}
	apps, err := e.store.ListApplications(ctx)
	if err != nil || len(apps) != 3 {
		t.Fatalf("applications: %d, %v", len(apps), err)
	}
	versions := map[string]int64{}
	for _, a := range apps {
		versions[a.ARN] = a.Version
	}
	keep := iamtoken.Application{ARN: appARN, Name: "Test app", GrantTypes: []string{"authorization_code", "refresh_token", "jwt-bearer", "token_exchange"},
		RedirectURIs: []string{redirect}, Scopes: []string{"app:read", "app:write"},
		TrustedTokenIssuers: []iamtoken.TrustedTokenIssuer{{IssuerURL: e.iss.URL, JWKSURL: e.iss.JWKSURL, Audiences: []string{audience}, UserClaim: "preferred_username"}},
		Principals:          []string{caller.ARN}}
	if err := reg.Declare(ctx, []iamtoken.Application{keep}); err != nil {
		t.Fatal(err)
	}
	if a, err := e.store.GetApplication(ctx, appARN); err != nil || a.Version != versions[appARN] {
		t.Errorf("an unchanged declaration changed the record: %+v, %v", a, err)
	}
	if _, err := e.store.GetApplication(ctx, otherARN); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("an application the file dropped: %v", err)
	}
	if _, err := e.store.GetApplication(ctx, made.ARN); err != nil {
		t.Errorf("the API's application: %v", err)
	}
	_, err = e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(otherARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(e.assertion(nil))})
	wantCode(t, err, sso.CodeInvalidClient, "not the ARN")
	if _, err := e.call(caller, wire.CreateTokenWithIAMRequest{ClientID: s(appARN), GrantType: s(wire.GrantJWTBearer), Assertion: s(e.assertion(nil))}); err != nil {
		t.Errorf("the application still declared: %v", err)
	}
}
