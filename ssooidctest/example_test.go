package ssooidctest_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/login"
	"github.com/ssooidc/ssooidc/ssooidctest"
)

// A tool signs in with the device flow and reads what the person may do,
// with aws-sdk-go-v2, as "aws sso login" and "aws configure sso" do; the
// test plays the person who approves. In a test, ssooidctest.New(t, ...)
// starts the server and stops it when the test ends; Start is the same
// outside a test.
func Example() {
	srv, err := ssooidctest.Start(
		ssooidctest.WithUsers(ssooidctest.User{Name: "alice", Groups: []string{"devs"}}),
		ssooidctest.WithAccounts(ssooidctest.Account{ID: "111111111111", Name: "Production",
			Credentials: ssooidctest.Credentials{AccessKeyID: "ASIAEXAMPLEPROD00001", SecretAccessKey: "secret", SessionToken: "token"}}),
		ssooidctest.WithAssignments(
			ssooidctest.Assignment{AccountID: "111111111111", PermissionSet: "ReadOnly", Group: "devs"},
			ssooidctest.Assignment{AccountID: "222222222222", PermissionSet: "Admin", User: "alice"}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	// The tool: register, start a device authorization, show the code.
	oidc := srv.OIDCClient()
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("my-tool"),
		ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(srv.StartURL)})
	if err != nil {
		log.Fatal(err)
	}

	// The person: alice opens the page and presses Allow.
	if err := srv.Approve(aws.ToString(auth.UserCode), "alice"); err != nil {
		log.Fatal(err)
	}

	// The tool: its poll gets the token; the portal lists alice's roles.
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: auth.DeviceCode})
	if err != nil {
		log.Fatal(err)
	}
	portal := srv.SSOClient()
	accounts, err := portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range accounts.AccountList {
		roles, err := portal.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: a.AccountId})
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range roles.RoleList {
			fmt.Printf("%s (%s): %s\n", aws.ToString(a.AccountName), aws.ToString(a.AccountId), aws.ToString(r.RoleName))
		}
	}
	creds, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String("111111111111"), RoleName: aws.String("ReadOnly")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("credentials:", aws.ToString(creds.RoleCredentials.AccessKeyId))
	// Output:
	// Production (111111111111): ReadOnly
	// 222222222222 (222222222222): Admin
	// credentials: ASIAEXAMPLEPROD00001
}

// With WithAutoApprove nobody needs to approve: the tool's first poll
// gets the token, as against "ssooidc serve --dev --auto-approve ci" in
// CI. Login is a whole device login in one call (here, by "the tool").
func ExampleWithAutoApprove() {
	srv, err := ssooidctest.Start(ssooidctest.WithAutoApprove("ci"),
		ssooidctest.WithAssignments(ssooidctest.Assignment{User: "ci", AccountID: "111111111111", PermissionSet: "Deploy"}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	tok, err := srv.Login("ci")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("refreshable:", tok.RefreshToken != "")
	fmt.Println("profile:", srv.Profile("111111111111", "Deploy"))
	// Output:
	// refreshable: true
	// profile: 111111111111-Deploy
}

// A test runs the AWS CLI (or any program built on an AWS SDK) in a home
// directory whose ~/.aws/config and environment point it at the server.
// Home.Login fills the SSO cache as "aws sso login" would, so the
// program's profile works at once. In a test: home := srv.NewHome(t).
func ExampleServer_NewHome() {
	srv, err := ssooidctest.Start(ssooidctest.WithAssignments(
		ssooidctest.Assignment{User: "alice", AccountID: "111111111111", PermissionSet: "ReadOnly"}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "home")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	home, err := srv.HomeIn(dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := home.Login("alice"); err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command("aws", "configure", "export-credentials", "--profile", srv.Profile("111111111111", "ReadOnly"))
	cmd.Env = home.Env
	out, err := cmd.Output()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s", out)
}

// A browser for the authorization code flow (PKCE): the program opens the
// URL, AuthorizeAs presses Allow as alice and delivers the code to the
// program's loopback listener. Here the program is this module's login
// package, which takes it as its Browser.
func ExampleServer_AuthorizeAs() {
	srv, err := ssooidctest.Start(ssooidctest.WithUsers(ssooidctest.User{Name: "alice"}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cache, err := os.MkdirTemp("", "cache")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(cache)
	c := login.New(&login.Session{Name: ssooidctest.SessionName, StartURL: srv.StartURL, Region: srv.Region}, func(o *login.Options) {
		o.Endpoint, o.CacheDir, o.Flow = srv.URL, cache, login.FlowPKCE
		o.Browser = login.BrowserFunc(func(ctx context.Context, url string) error { return srv.AuthorizeAs(url, "alice") })
		o.Prompter = login.PrompterFunc(func(ctx context.Context, p *login.Prompt) {}) // nothing to show
	})
	tok, err := c.Login(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in for", time.Until(tok.ExpiresAt).Round(time.Hour))
	// Output:
	// signed in for 1h0m0s
}
