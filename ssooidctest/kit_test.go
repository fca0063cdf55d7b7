package ssooidctest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/login"
	"github.com/ssooidc/ssooidc/portal"
	"github.com/ssooidc/ssooidc/ssooidctest"
)

const callback = "http://127.0.0.1/oauth/callback"

// pkceClient registers a client for the authorization code flow, as the
// AWS CLI 2.22 does.
func pkceClient(t *testing.T, srv *ssooidctest.Server) *ssooidc.RegisterClientOutput {
	t.Helper()
	reg, err := srv.OIDCClient().RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("pkce"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{callback}})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func authorizeQuery(clientID, redirectURI, challenge, method string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"state": {"st@te"}, "code_challenge": {challenge}, "code_challenge_method": {method}, "scopes": {"sso:account:access"}}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestAutoApproveAuthorize: under WithAutoApprove, GET /authorize with no
// session answers with the code at once; a request with errors the client
// may hear is redirected with the error and approves nothing; one that
// cannot be sent back (an unknown client) gets the page's error, never a
// redirect; the consent form is unchanged.
func TestAutoApproveAuthorize(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t, ssooidctest.WithAutoApprove("ci"),
		ssooidctest.WithAssignments(ssooidctest.Assignment{User: "ci", AccountID: "111111111111", PermissionSet: "Deploy"}))
	reg := pkceClient(t, srv)
	verifier := strings.Repeat("v", 64)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redirect := "http://127.0.0.1:49152/oauth/callback"
	get := func(q url.Values) (*http.Response, string) {
		resp, err := noRedirects.Get(srv.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, _ := get(authorizeQuery(aws.ToString(reg.ClientId), redirect, challenge, "S256"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("code") == "" ||
		loc.Query().Get("state") != "st@te" {
		t.Fatalf("a valid request: %d %q", resp.StatusCode, loc)
	}
	tok, err := srv.OIDCClient().CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: reg.ClientId,
		ClientSecret: reg.ClientSecret, GrantType: aws.String("authorization_code"), Code: aws.String(loc.Query().Get("code")),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	if err != nil {
		t.Fatalf("redeeming the code: %v", err)
	}
	roles, err := srv.SSOClient().ListAccountRoles(context.Background(), &sso.ListAccountRolesInput{AccessToken: tok.AccessToken,
		AccountId: aws.String("111111111111")})
	if err != nil || len(roles.RoleList) != 1 {
		t.Fatalf("the token is not ci's: %v %+v", err, roles)
	}

	approvals := strings.Count(srv.Logs(), "auto-approved an authorization request")
	resp, _ = get(authorizeQuery(aws.ToString(reg.ClientId), redirect, challenge, "plain"))
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" {
		t.Errorf("a plain challenge: %d %q", resp.StatusCode, loc)
	}
	resp, body := get(authorizeQuery("no-such-client", redirect, challenge, "S256"))
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "not registered") {
		t.Errorf("an unknown client: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(authorizeQuery(aws.ToString(reg.ClientId), "http://evil.example/cb", challenge, "S256"))
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("an unregistered redirect URI: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := strings.Count(srv.Logs(), "auto-approved an authorization request"); n != approvals {
		t.Errorf("invalid requests were logged as approvals (%d, then %d)", approvals, n)
	}
	// The consent form's POST still needs a signed-in person.
	resp, err = noRedirects.PostForm(srv.URL+"/authorize", url.Values{"request": {authorizeQuery(aws.ToString(reg.ClientId),
		redirect, challenge, "S256").Encode()}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("POST /authorize without a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestLoginPackage: this module's login package signs in with PKCE, with
// AuthorizeAs as its browser, and with the device flow, with Approve in
// its prompt; then gets the role's credentials.
func TestLoginPackage(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t, ssooidctest.WithAccounts(prod),
		ssooidctest.WithAssignments(ssooidctest.Assignment{User: "alice", AccountID: prod.ID, PermissionSet: "Admin"}))
	for _, flow := range []login.Flow{login.FlowPKCE, login.FlowDevice} {
		t.Run(flow.String(), func(t *testing.T) {
			t.Parallel()
			var prompted atomic.Int32
			c := login.New(&login.Session{Name: ssooidctest.SessionName, StartURL: srv.StartURL, Region: srv.Region}, func(o *login.Options) {
				o.CacheDir, o.CredentialsCacheDir = t.TempDir(), t.TempDir()
				o.Endpoint, o.PortalEndpoint = srv.URL, srv.URL
				o.Flow = flow
				o.Browser = login.BrowserFunc(func(ctx context.Context, url string) error {
					if flow == login.FlowDevice {
						return login.ErrNoBrowser
					}
					return srv.AuthorizeAs(url, "alice")
				})
				o.Prompter = login.PrompterFunc(func(ctx context.Context, p *login.Prompt) {
					prompted.Add(1)
					if p.UserCode != "" {
						if err := srv.Approve(p.UserCode, "alice"); err != nil {
							t.Error(err)
						}
					}
					<-ctx.Done()
				})
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := c.Login(ctx); err != nil {
				t.Fatalf("login: %v", err)
			}
			creds, err := c.RoleCredentials(ctx, prod.ID, "Admin")
			if err != nil || creds.AccessKeyID != prod.Credentials.AccessKeyID {
				t.Fatalf("role credentials: %v %+v", err, creds)
			}
		})
	}
}

// TestAuthorizeAsErrors: AuthorizeAs says what is wrong.
func TestAuthorizeAsErrors(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t, ssooidctest.WithUsers(ssooidctest.User{Name: "alice"}))
	reg := pkceClient(t, srv)
	q := authorizeQuery(aws.ToString(reg.ClientId), "http://127.0.0.1:1/oauth/callback", strings.Repeat("A", 43), "S256")
	for _, tc := range []struct{ url, user, want string }{
		{"https://elsewhere.example/authorize?" + q.Encode(), "alice", "is not this server's /authorize URL"},
		{srv.URL + "/authorize?" + q.Encode(), "bob", `no user is named "bob"`},
		{srv.URL + "/authorize?client_id=nope&redirect_uri=x", "alice", "not registered"},
		// Approved, but nothing listens at the redirect URI's port 1.
		{srv.URL + "/authorize?" + q.Encode(), "alice", "delivering the code to the program"},
	} {
		if err := srv.AuthorizeAs(tc.url, tc.user); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AuthorizeAs(%q, %q) = %v, want %q", tc.url, tc.user, err, tc.want)
		}
	}
}

// TestClockAndLifetimes: WithClock and WithTokenLifetimes let a test see
// an access token expire without waiting, and refresh it.
func TestClockAndLifetimes(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	srv := ssooidctest.New(t, ssooidctest.WithClock(now), ssooidctest.WithTokenLifetimes(10*time.Minute, time.Hour),
		ssooidctest.WithAssignments(ssooidctest.Assignment{User: "alice", AccountID: prod.ID, PermissionSet: "Admin"}))
	tok, err := srv.Login("alice")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(tok.ExpiresAt); d < 9*time.Minute || d > 10*time.Minute {
		t.Errorf("the access token lasts %v, want 10 minutes", d)
	}
	pc := srv.PortalClient()
	list := func(token string) error {
		_, err := pc.ListAccounts(context.Background(), &portal.ListAccountsInput{AccessToken: token})
		return err
	}
	if err := list(tok.AccessToken); err != nil {
		t.Fatalf("a fresh token: %v", err)
	}
	offset.Store(int64(11 * time.Minute))
	var unauthorized *portal.UnauthorizedException
	if err := list(tok.AccessToken); !errors.As(err, &unauthorized) {
		t.Fatalf("an expired token: %v", err)
	}
	out, err := srv.OIDCClient().CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(tok.ClientID),
		ClientSecret: aws.String(tok.ClientSecret), GrantType: aws.String("refresh_token"), RefreshToken: aws.String(tok.RefreshToken)})
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := list(aws.ToString(out.AccessToken)); err != nil {
		t.Errorf("the refreshed token: %v", err)
	}
	offset.Store(int64(2 * time.Hour)) // past the session
	if _, err := srv.OIDCClient().CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: aws.String(tok.ClientID),
		ClientSecret: aws.String(tok.ClientSecret), GrantType: aws.String("refresh_token"), RefreshToken: out.RefreshToken}); err == nil {
		t.Error("a refresh after the session's end succeeded")
	}
}

// TestClose: a closed server answers nothing; Close again is no error.
func TestClose(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if _, err := http.Get(srv.URL + "/healthz"); err == nil {
		t.Error("a closed server answered")
	}
}

// TestManyServers: servers started at once are independent: a token of
// one means nothing to another.
func TestManyServers(t *testing.T) {
	t.Parallel()
	srvs := make([]*ssooidctest.Server, 8)
	for i := range srvs {
		srvs[i] = ssooidctest.New(t, ssooidctest.WithAssignments(ssooidctest.Assignment{User: "alice", AccountID: prod.ID, PermissionSet: "Admin"}))
	}
	tok, err := srvs[0].Login("alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = srvs[1].SSOClient().ListAccounts(context.Background(), &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken)})
	var unauthorized *ssotypes.UnauthorizedException
	if !errors.As(err, &unauthorized) {
		t.Errorf("another server's token: %v", err)
	}
}

// TestManyRegistrations: a test may register as many clients as it likes
// (the per-address limit is off).
func TestManyRegistrations(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t)
	for i := range 40 {
		if _, err := srv.OIDCClient().RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
			ClientName: aws.String("c"), ClientType: aws.String("public")}); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
}
