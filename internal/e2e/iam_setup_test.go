package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/iamtoken/issuertest"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/wire"
)

// The CreateTokenWithIAM world of these tests: one application that
// trusts a token issuer running on loopback, two principals that may call
// for it (one with long-term keys, one with temporary credentials), and
// one that may not.
const (
	iamApp      = "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222"
	iamAppName  = "E2E web app"
	iamAudience = "ssooidc-e2e"
	// A loopback redirect URI: any port comes back to it (RFC 8252 7.3).
	iamRedirect = "http://127.0.0.1/callback"
)

var (
	webApp = sigv4.Principal{AccessKeyID: "AKIAWEBAPPEXAMPLE", SecretAccessKey: "web-app-secret",
		Account: "123456789012", ARN: "arn:aws:iam::123456789012:role/web-app"}
	batchJob = sigv4.Principal{AccessKeyID: "ASIABATCHEXAMPLE", SecretAccessKey: "batch-secret", SessionToken: "batch-session-token",
		Account: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/batch/job-1"}
	outsider = sigv4.Principal{AccessKeyID: "AKIAOUTSIDEREXAMPLE", SecretAccessKey: "outsider-secret",
		Account: "210987654321", ARN: "arn:aws:iam::210987654321:user/outsider"}
)

type iamEnv struct {
	srv *servertest.Server
	iss *issuertest.Issuer
}

// newIAMEnv starts a server with the application and alice in its
// directory. The issuer's keys are found through its discovery document.
func newIAMEnv(t *testing.T) *iamEnv {
	t.Helper()
	iss := issuertest.New(t)
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.IAM = server.IAMConfig{
			Principals: []sigv4.Principal{webApp, batchJob, outsider},
			Applications: []iamtoken.Application{{
				ARN: iamApp, Name: iamAppName,
				GrantTypes:   []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken, wire.GrantJWTBearer, wire.GrantTokenExchange},
				RedirectURIs: []string{iamRedirect}, Scopes: []string{"app:read"},
				Principals: []string{webApp.ARN, batchJob.ARN},
				TrustedTokenIssuers: []iamtoken.TrustedTokenIssuer{{Name: "test-idp", IssuerURL: iss.URL,
					Audiences: []string{iamAudience}, UserClaim: "preferred_username"}},
			}},
		}
	}))
	srv.AddUser(t, "alice", "correct horse battery")
	return &iamEnv{srv: srv, iss: iss}
}

// assertion is a JWT of the trusted issuer for alice, valid until exp.
func (e *iamEnv) assertion(t *testing.T, exp time.Time) string {
	return e.iss.Sign(t, map[string]any{"iss": e.iss.URL, "aud": iamAudience, "sub": "00u-alice",
		"preferred_username": "alice", "iat": time.Now().Unix(), "exp": exp.Unix()})
}

// code has alice approve the application on the consent form and returns
// the authorization code, the PKCE verifier and the redirect URI used.
func (e *iamEnv) code(t *testing.T) (code, verifier, redirectURI string) {
	t.Helper()
	hc := signedInClient(t, e.srv)
	verifier = cliVerifier()
	sum := sha256.Sum256([]byte(verifier))
	redirectURI = "http://127.0.0.1:49152/callback"
	q := url.Values{"response_type": {"code"}, "client_id": {iamApp}, "redirect_uri": {redirectURI}, "state": {"s1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"scope": {"openid aws sts:identity_context app:read"}}
	// The consent page names the application.
	resp, err := hc.Get(e.srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), iamAppName) {
		t.Fatalf("consent page: %d, names the application: %v", resp.StatusCode, strings.Contains(string(page), iamAppName))
	}
	resp, err = hc.PostForm(e.srv.URL+"/authorize", url.Values{"request": {q.Encode()}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" || loc.Query().Get("state") != "s1" {
		t.Fatalf("consent: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), verifier, redirectURI
}

// subjectToken is an access token of a registered public client (the
// AWS CLI's device login), to exchange.
func (e *iamEnv) subjectToken(t *testing.T) string {
	t.Helper()
	c := sdk(e.srv)
	return *login(t, e.srv, c, register(t, c, "sso:account:access")).AccessToken
}

// verifyIDToken checks an ID token against the server's published JWKS,
// found through its discovery document, and returns its claims.
func verifyIDToken(t *testing.T, srv *servertest.Server, idToken string) iamtoken.IDClaims {
	t.Helper()
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, srv.URL+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != srv.URL || disc.JWKSURI != srv.URL+"/.well-known/jwks.json" {
		t.Fatalf("discovery %+v", disc)
	}
	var set jose.JSONWebKeySet
	getJSON(t, disc.JWKSURI, &set)
	tok, err := jwt.ParseSigned(idToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var std jwt.Claims
	var c iamtoken.IDClaims
	if err := tok.Claims(set, &std, &c); err != nil {
		t.Fatalf("ID token signature: %v", err)
	}
	if err := std.Validate(jwt.Expected{Issuer: srv.URL, AnyAudience: jwt.Audience{iamApp}, Time: time.Now()}); err != nil {
		t.Fatalf("ID token claims: %v", err)
	}
	if c.Subject == "" || c.IdentityContext == "" || c.InstanceArn != "arn:aws:sso:::instance/ssoins-1111111111111111" {
		t.Errorf("ID token claims %+v", c)
	}
	return c
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// iamCtx bounds one test's calls.
func iamCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
