package e2e

import (
	"context"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/portal"
)

// isolateAWSConfig keeps the SDKs from reading the machine's own AWS files.
func isolateAWSConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", "")
	t.Setenv("AWS_ENDPOINT_URL_SSO", "")
}

// TestOurClientAgainstServer runs the project's own Go SDK (package
// ssooidc and package portal) against a running server: every operation
// the server implements, the device flow with the SDK's poll loop, PKCE
// with the SDK's authorize URL, refresh through its TokenSource, and the
// portal.
func TestOurClientAgainstServer(t *testing.T) {
	isolateAWSConfig(t)
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{
			acctStatic: {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "s", SessionToken: "t"}}})
		c.Directory = server.Directory{
			Accounts:       []dom.Account{{ID: acctStatic, Name: "Sandbox", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "ReadOnly"}},
			Users:          []identity.UserSpec{{Name: "alice", Password: "correct horse battery"}},
			Assignments:    []server.AssignmentDecl{{AccountID: acctStatic, PermissionSet: "ReadOnly", User: "alice"}},
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(srv.URL), ssooidc.WithAnonymousCredentials())
	if err != nil {
		t.Fatal(err)
	}

	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "our-sdk", Scopes: []string{"sso:account:access"},
		GrantTypes:   []string{ssooidc.GrantTypeDeviceCode, ssooidc.GrantTypeAuthorizationCode, ssooidc.GrantTypeRefreshToken},
		RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	var ic *ssooidc.InvalidClientException
	if _, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: "wrong", StartURL: servertest.StartURL}); !errors.As(err, &ic) || ic.StatusCode != 401 || ic.RequestID == "" {
		t.Errorf("wrong secret: %v", err)
	}

	// The device flow with the SDK's poll loop; approval comes while it waits.
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: servertest.StartURL})
	if err != nil {
		t.Fatal(err)
	}
	var pending *ssooidc.AuthorizationPendingException
	if _, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret,
		GrantType: ssooidc.GrantTypeDeviceCode, DeviceCode: auth.DeviceCode}); !errors.As(err, &pending) {
		t.Errorf("before approval: %v", err)
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		srv.Decide(t, auth.UserCode, "alice", true)
	}()
	tok, err := c.PollDeviceToken(ctx, &ssooidc.PollDeviceTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, Authorization: auth})
	if err != nil {
		t.Fatalf("PollDeviceToken: %v", err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || time.Until(tok.Expiry) < 59*time.Minute {
		t.Fatalf("token %+v", tok)
	}

	// Refresh through the SDK's oauth2.TokenSource.
	ts := c.TokenSource(ctx, reg.ClientID, reg.ClientSecret, &oauth2.Token{RefreshToken: tok.RefreshToken})
	fresh, err := ts.Token()
	if err != nil || fresh.AccessToken == tok.AccessToken || fresh.AccessToken == "" {
		t.Fatalf("TokenSource: %v", err)
	}

	// PKCE with the SDK's verifier, challenge and authorize URL.
	h := &pkceHarness{t: t, srv: srv}
	h.http = signedInClient(t, srv)
	verifier := ssooidc.GenerateVerifier()
	redirect := "http://127.0.0.1:50123/oauth/callback"
	state := ssooidc.NewState()
	authURL, err := c.AuthorizeURL(&ssooidc.AuthorizeURLInput{ClientID: reg.ClientID, RedirectURI: redirect, State: state,
		CodeChallenge: ssooidc.S256Challenge(verifier), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "our-sdk") {
		t.Fatalf("consent page for the SDK's URL: %d", resp.StatusCode)
	}
	u, _ := url.Parse(authURL)
	resp, err = h.http.PostForm(srv.URL+"/authorize", url.Values{"request": {u.RawQuery}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("state") != state {
		t.Fatalf("callback %q", resp.Header.Get("Location"))
	}
	codeTok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret,
		GrantType: ssooidc.GrantTypeAuthorizationCode, Code: loc.Query().Get("code"), RedirectURI: redirect, CodeVerifier: verifier})
	if err != nil || codeTok.AccessToken == "" {
		t.Fatalf("authorization_code: %v", err)
	}
	var ig *ssooidc.InvalidGrantException
	if _, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret,
		GrantType: ssooidc.GrantTypeAuthorizationCode, Code: loc.Query().Get("code"), RedirectURI: redirect, CodeVerifier: verifier}); !errors.As(err, &ig) {
		t.Errorf("code reuse: %v", err)
	}

	// The portal.
	p, err := portal.New(ctx, portal.WithRegion("us-east-1"), portal.WithEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	pg := portal.NewListAccountsPaginator(p, &portal.ListAccountsInput{AccessToken: fresh.AccessToken, MaxResults: 1})
	var ids []string
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.AccountList {
			ids = append(ids, a.AccountID)
		}
	}
	if len(ids) != 1 || ids[0] != acctStatic {
		t.Errorf("accounts %v", ids)
	}
	roles, err := p.ListAccountRoles(ctx, &portal.ListAccountRolesInput{AccessToken: fresh.AccessToken, AccountID: acctStatic})
	if err != nil || len(roles.RoleList) != 1 || roles.RoleList[0].RoleName != "ReadOnly" {
		t.Errorf("roles %v %v", roles, err)
	}
	rc, err := p.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{AccessToken: fresh.AccessToken, AccountID: acctStatic, RoleName: "ReadOnly"})
	if err != nil || rc.RoleCredentials.AccessKeyID != "AKIASTATICEXAMPLE" || time.Until(rc.RoleCredentials.Expiration) < 50*time.Minute {
		t.Fatalf("GetRoleCredentials: %+v %v", rc, err)
	}
	var nf *portal.ResourceNotFoundException
	if _, err := p.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{AccessToken: fresh.AccessToken, AccountID: acctStatic, RoleName: "Admin"}); !errors.As(err, &nf) {
		t.Errorf("unassigned role: %v", err)
	}
	if _, err := p.Logout(ctx, &portal.LogoutInput{AccessToken: fresh.AccessToken}); err != nil {
		t.Fatal(err)
	}
	var ua *portal.UnauthorizedException
	if _, err := p.ListAccounts(ctx, &portal.ListAccountsInput{AccessToken: fresh.AccessToken}); !errors.As(err, &ua) {
		t.Errorf("after logout: %v", err)
	}
}
