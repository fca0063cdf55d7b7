package ssooidctest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/ssooidc/ssooidc/ssooidctest"
)

var prod = ssooidctest.Account{ID: "111111111111", Name: "Production", Email: "prod@example.com",
	Credentials: ssooidctest.Credentials{AccessKeyID: "ASIAPRODEXAMPLE00001", SecretAccessKey: "prod-secret", SessionToken: "prod-session"}}

// deviceLogin is an aws-sdk-go-v2 program's device login: register,
// start, let approve decide (nil: nobody), then one CreateToken.
func deviceLogin(t *testing.T, c *ssooidc.Client, startURL string, approve func(userCode string) error) (*ssooidc.CreateTokenOutput, error) {
	t.Helper()
	ctx := context.Background()
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("my-tool"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId,
		ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	if approve != nil {
		if err := approve(aws.ToString(auth.UserCode)); err != nil {
			t.Fatal(err)
		}
	}
	return c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: auth.DeviceCode})
}

// TestAWSSDKProgram: an aws-sdk-go-v2 program logs in with the device
// flow (approved by the test), lists its accounts and roles, and gets the
// role's credentials: the ones the test declared, for the permission
// set's session duration.
func TestAWSSDKProgram(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t,
		ssooidctest.WithUsers(ssooidctest.User{Name: "alice", Groups: []string{"devs"}}, ssooidctest.User{Name: "bob"}),
		ssooidctest.WithAccounts(prod),
		ssooidctest.WithPermissionSets(ssooidctest.PermissionSet{Name: "Admin", SessionDuration: 2 * time.Hour}),
		ssooidctest.WithAssignments(
			ssooidctest.Assignment{AccountID: prod.ID, PermissionSet: "Admin", Group: "devs"},
			ssooidctest.Assignment{AccountID: "222222222222", PermissionSet: "ReadOnly", User: "bob"}))
	tok, err := deviceLogin(t, srv.OIDCClient(), srv.StartURL, func(code string) error { return srv.Approve(code, "alice") })
	if err != nil {
		t.Fatalf("CreateToken after Approve: %v", err)
	}
	if aws.ToString(tok.RefreshToken) == "" || tok.ExpiresIn != 3600 {
		t.Errorf("token: refresh %q, expires in %d", aws.ToString(tok.RefreshToken), tok.ExpiresIn)
	}
	ctx := context.Background()
	portal := srv.SSOClient()
	accounts, err := portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	// alice has Production through her group, and not bob's account.
	if len(accounts.AccountList) != 1 || aws.ToString(accounts.AccountList[0].AccountId) != prod.ID ||
		aws.ToString(accounts.AccountList[0].AccountName) != "Production" || aws.ToString(accounts.AccountList[0].EmailAddress) != prod.Email {
		t.Fatalf("accounts: %+v", accounts.AccountList)
	}
	roles, err := portal.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(prod.ID)})
	if err != nil || len(roles.RoleList) != 1 || aws.ToString(roles.RoleList[0].RoleName) != "Admin" {
		t.Fatalf("roles: %v %+v", err, roles)
	}
	before := time.Now()
	creds, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String(prod.ID), RoleName: aws.String("Admin")})
	if err != nil {
		t.Fatalf("GetRoleCredentials: %v", err)
	}
	rc := creds.RoleCredentials
	if aws.ToString(rc.AccessKeyId) != prod.Credentials.AccessKeyID || aws.ToString(rc.SecretAccessKey) != prod.Credentials.SecretAccessKey ||
		aws.ToString(rc.SessionToken) != prod.Credentials.SessionToken {
		t.Errorf("credentials %+v", rc)
	}
	if exp := time.UnixMilli(rc.Expiration); exp.Before(before.Add(2*time.Hour-time.Minute)) || exp.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("credentials expire at %v, want 2 hours from now", exp)
	}
	// bob's implied account has random credentials in the STS shape.
	bob, err := srv.Login("bob")
	if err != nil {
		t.Fatal(err)
	}
	bc, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(bob.AccessToken),
		AccountId: aws.String("222222222222"), RoleName: aws.String("ReadOnly")})
	if err != nil {
		t.Fatalf("bob's credentials: %v", err)
	}
	if id := aws.ToString(bc.RoleCredentials.AccessKeyId); len(id) != 20 || id[:4] != "ASIA" || aws.ToString(bc.RoleCredentials.SessionToken) == "" {
		t.Errorf("random credentials: %+v", bc.RoleCredentials)
	}
	// alice may not have bob's role.
	if _, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String("222222222222"), RoleName: aws.String("ReadOnly")}); err == nil {
		t.Error("alice got credentials of a role she is not assigned")
	}
}

// TestAutoApproveSDK: with WithAutoApprove the program's first poll gets
// its tokens, with nobody approving; Deny makes the poll fail with
// AccessDeniedException; a pending authorization stays pending.
func TestAutoApproveSDK(t *testing.T) {
	t.Parallel()
	t.Run("auto-approve", func(t *testing.T) {
		t.Parallel()
		srv := ssooidctest.New(t, ssooidctest.WithAutoApprove("ci"),
			ssooidctest.WithAssignments(ssooidctest.Assignment{User: "ci", AccountID: prod.ID, PermissionSet: "Deploy"}))
		tok, err := deviceLogin(t, srv.OIDCClient(), srv.StartURL, nil)
		if err != nil {
			t.Fatalf("the first poll: %v", err)
		}
		out, err := srv.SSOClient().ListAccountRoles(context.Background(), &sso.ListAccountRolesInput{AccessToken: tok.AccessToken,
			AccountId: aws.String(prod.ID)})
		if err != nil || len(out.RoleList) != 1 || aws.ToString(out.RoleList[0].RoleName) != "Deploy" {
			t.Fatalf("the token is not ci's: %v %+v", err, out)
		}
		if _, err := srv.Login("someone-else"); err == nil {
			t.Error("Login as another user than auto-approve's succeeded")
		}
	})
	t.Run("deny", func(t *testing.T) {
		t.Parallel()
		srv := ssooidctest.New(t, ssooidctest.WithUsers(ssooidctest.User{Name: "alice"}))
		_, err := deviceLogin(t, srv.OIDCClient(), srv.StartURL, func(code string) error { return srv.Deny(code, "alice") })
		var denied *types.AccessDeniedException
		if !errors.As(err, &denied) {
			t.Fatalf("after Deny: %v", err)
		}
	})
	t.Run("pending", func(t *testing.T) {
		t.Parallel()
		srv := ssooidctest.New(t, ssooidctest.WithUsers(ssooidctest.User{Name: "alice"}))
		_, err := deviceLogin(t, srv.OIDCClient(), srv.StartURL, nil)
		var pending *types.AuthorizationPendingException
		if !errors.As(err, &pending) {
			t.Fatalf("without approval: %v", err)
		}
	})
}

// TestApproveErrors: Approve says what is wrong, in the service's words.
func TestApproveErrors(t *testing.T) {
	t.Parallel()
	srv := ssooidctest.New(t, ssooidctest.WithUsers(ssooidctest.User{Name: "alice"}))
	c := srv.OIDCClient()
	ctx := context.Background()
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId,
		ClientSecret: reg.ClientSecret, StartUrl: aws.String(srv.StartURL)})
	if err != nil {
		t.Fatal(err)
	}
	code := aws.ToString(auth.UserCode)
	for _, tc := range []struct{ code, user, want string }{
		{"BCDF-GHJK", "alice", "that code is not valid"},
		{"12", "alice", "that code is not valid"},
		{code, "nobody", `no user is named "nobody"`},
	} {
		err := srv.Approve(tc.code, tc.user)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Approve(%q, %q) = %v, want %q", tc.code, tc.user, err, tc.want)
		}
	}
	// Lower case without the dash is the same code, as on the page.
	lower := []byte(code[:4] + code[5:])
	for i := range lower {
		lower[i] |= 0x20
	}
	if err := srv.Approve(string(lower), "alice"); err != nil {
		t.Fatalf("Approve(%q): %v", lower, err)
	}
	if err := srv.Approve(code, "alice"); err == nil || !strings.Contains(err.Error(), "already been used") {
		t.Errorf("a second Approve: %v", err)
	}
}
