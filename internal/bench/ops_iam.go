package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// --- CreateTokenWithIAM

// The CreateTokenWithIAM world the harness declares on the servers it
// starts (in process, or in the child's config file): one application,
// and one IAM principal with long-term keys that may call for it. The
// server verifies the SigV4 signature against those keys itself: nothing
// outside this machine (no STS) is involved.
const (
	iamApp       = "arn:aws:sso::" + portalAccount + ":application/ssoins-0000000000bench/apl-0000000000bench"
	iamCallerARN = "arn:aws:iam::" + portalAccount + ":role/bench-app"
	iamAccessKey = "AKIABENCHIAMCALLER00"
	// iamRegion is the region the server answers for by default; a request
	// signed for another one is refused.
	iamRegion   = "us-east-1"
	iamRedirect = "http://127.0.0.1:9/oauth/callback"
	// iamScopes are what the application asks for at /authorize: every
	// refresh then returns an ID token with the identity context, as
	// trusted identity propagation needs (sts:identity_context).
	iamScopes = iamtoken.ScopeOpenID + " aws " + iamtoken.ScopeIdentityContext
)

// iamSecret is the caller's secret access key: random per process, as the
// bench user's password is, so that no one else can sign for it.
var iamSecret = sync.OnceValue(sso.RandomSecret)

// iamCaller is the principal the harness signs as.
func iamCaller() sigv4.Principal {
	return sigv4.Principal{AccessKeyID: iamAccessKey, SecretAccessKey: iamSecret(), Account: portalAccount, ARN: iamCallerARN,
		Allow: []string{"sso-oauth:CreateTokenWithIAM", "identitystore:*"}}
}

// iamServerConfig is the IAM configuration of an in-process server.
func iamServerConfig() server.IAMConfig {
	return server.IAMConfig{
		Principals: []sigv4.Principal{iamCaller()},
		Applications: []iamtoken.Application{{ARN: iamApp, Name: "bench",
			GrantTypes:   []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken},
			RedirectURIs: []string{iamRedirect}, Principals: []string{iamCallerARN}}},
	}
}

// iamYAML is the same configuration in the child's config file.
func iamYAML() string {
	return `iam:
  principals:
    - arn: ` + iamCallerARN + `
      access_key_id: ` + iamAccessKey + `
      secret_access_key: '` + iamSecret() + `'
      allow: ['sso-oauth:CreateTokenWithIAM', 'identitystore:*']
  applications:
    - arn: ` + iamApp + `
      name: bench
      grant_types: [authorization_code, refresh_token]
      redirect_uris: ['` + iamRedirect + `']
      principals: [` + iamCallerARN + `]
`
}

// iamDriver measures CreateTokenWithIAM with the refresh_token grant, the
// call an application makes for each of its signed-in users every time
// the access token runs out (hourly), while the authorization code is
// redeemed once per sign-in. Each worker holds a token family of the
// application of its own and always presents its newest refresh token, so
// every call is SigV4 verification, a rotation (the successor stored, the
// presented token marked used) and an ID token with the identity context.
// A family is started outside the measured part, as an application's
// sign-in does: one POST /authorize (Allow, PKCE S256) as the bench user,
// then CreateTokenWithIAM with the authorization_code grant. Families
// outlive points: worker i of every point continues family i.
//
// The harness signs every request with aws-sdk-go-v2's SigV4 signer at
// the time it is sent, inside the measured call; the floor's requests are
// not signed, so the signing (a SHA-256 of the body and an HMAC-SHA-256
// chain, some microseconds) is generator cost the floor does not have.
type iamDriver struct {
	e        *env
	cs       callers
	signer   *v4.Signer
	creds    aws.Credentials
	cookie   string // the bench user's session on the pages
	verifier string
	form     []byte // POST /authorize: the authorization request and Allow
	tokens   familySlots
}

func setupIAM(ctx context.Context, e *env) (driver, error) {
	if !e.t.IAM {
		return nil, errSkip("the harness did not configure the server's CreateTokenWithIAM application and caller (--url)")
	}
	d := &iamDriver{e: e, signer: v4.NewSigner(), verifier: sso.RandomSecret()}
	p := iamCaller()
	d.creds = aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey}
	if pa, ok := e.t.Approver.(*pagesApprover); ok {
		d.cookie = pa.cookie
	} else {
		// With --decide nobody is signed in on the pages yet; the bench
		// user of a server the harness started has the harness's password.
		password, _ := benchPassword()
		pa, err := signIn(ctx, e.t.URL, benchUser, password)
		if err != nil {
			return nil, err
		}
		d.cookie = pa.cookie
	}
	sum := sha256.Sum256([]byte(d.verifier))
	query := url.Values{"response_type": {"code"}, "client_id": {iamApp}, "redirect_uri": {iamRedirect},
		"state": {"bench"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "scope": {iamScopes}}.Encode()
	d.form = []byte(url.Values{"request": {query}, "decision": {"allow"}}.Encode())
	return d, nil
}

func (d *iamDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *iamDriver) note() string {
	return "each worker refreshes its own family of the application (started with an authorization code before the point) " +
		"and always presents its newest token: SigV4 verification, rotation (one write), an ID token and an identity context " +
		"(two ES256 signatures); the harness signs each request (aws-sdk-go-v2) inside the measured call, the floor's requests are unsigned"
}

// post signs body as CreateTokenWithIAM of the harness's caller, sends it
// and reads the response into c.buf.
func (d *iamDriver) post(ctx context.Context, c *caller, hc *http.Client, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+wire.PathCreateTokenWithIAM, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := d.signer.SignHTTP(ctx, d.creds, req, hex.EncodeToString(sum[:]), server.SigningName, iamRegion, time.Now()); err != nil {
		return 0, "", err
	}
	return c.do(hc, req, len(body))
}

// iamTokens is what the harness reads of a CreateTokenWithIAM response.
type iamTokens struct {
	RefreshToken *string `json:"refreshToken"`
	IDToken      *string `json:"idToken"`
}

// call makes one CreateTokenWithIAM and returns the new refresh token.
func (d *iamDriver) call(ctx context.Context, c *caller, hc *http.Client, body []byte) (string, error) {
	status, et, err := d.post(ctx, c, hc, body)
	if err != nil {
		return "", fmt.Errorf("CreateTokenWithIAM: %w", err)
	}
	if status != http.StatusOK {
		return "", c.bad("CreateTokenWithIAM", status, et)
	}
	var out iamTokens
	if err := json.Unmarshal(c.buf.Bytes(), &out); err != nil {
		return "", fmt.Errorf("CreateTokenWithIAM: decoding the response: %w", err)
	}
	switch {
	case out.RefreshToken == nil || *out.RefreshToken == "":
		return "", errors.New("CreateTokenWithIAM: the response has no refresh token")
	case out.IDToken == nil || *out.IDToken == "":
		return "", errors.New("CreateTokenWithIAM: the response has no ID token")
	}
	return *out.RefreshToken, nil
}

// newFamily signs the application in as the bench user: a code from the
// consent form, redeemed with CreateTokenWithIAM.
func (d *iamDriver) newFamily(ctx context.Context, c *caller, hc *http.Client) (string, error) {
	status, et, err := c.send(ctx, hc, http.MethodPost, "/authorize", "application/x-www-form-urlencoded", d.form,
		http.Header{"Cookie": {d.cookie}})
	if err != nil {
		return "", fmt.Errorf("creating a token family: %w", err)
	}
	loc, _ := url.Parse(c.header.Get("Location"))
	if status != http.StatusSeeOther || loc == nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("creating a token family: %w", c.bad("Authorize", status, et))
	}
	code := loc.Query().Get("code")
	body, _ := json.Marshal(wire.CreateTokenWithIAMRequest{ClientID: ptr(iamApp), GrantType: ptr(wire.GrantAuthorizationCode),
		Code: &code, RedirectURI: ptr(iamRedirect), CodeVerifier: &d.verifier})
	tok, err := d.call(ctx, c, hc, body)
	if err != nil {
		return "", fmt.Errorf("creating a token family: %w", err)
	}
	return tok, nil
}

func iamRefreshBody(token string) []byte {
	b, _ := json.Marshal(wire.CreateTokenWithIAMRequest{ClientID: ptr(iamApp), GrantType: ptr(wire.GrantRefreshToken),
		RefreshToken: &token})
	return b
}

func (d *iamDriver) worker(i int) (Worker, error) {
	return d.tokens.worker(i, d.cs.add(d.e.t.URL), d.e.hc, d.newFamily,
		func(ctx context.Context, c *caller, hc *http.Client, tok string) (string, error) {
			return d.call(ctx, c, hc, iamRefreshBody(tok))
		})
}
