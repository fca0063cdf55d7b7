package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
)

var directoryAdmin = sigv4.Principal{AccessKeyID: "AKIADIRADMINEXAMPLE", SecretAccessKey: "dir-admin-secret",
	Account: "123456789012", ARN: "arn:aws:iam::123456789012:role/directory-admin", Allow: []string{"identitystore:*"}}

// TestOneDirectory: a person made through the Identity Store API signs in
// with the password an administrator sets; a membership made through the
// API grants the group's roles on the next portal call; SCIM's
// active=false ends their access at once; deleting them through the API
// does too.
func TestOneDirectory(t *testing.T) {
	srv := portalServer(t, servertest.WithConfig(func(c *server.Config) {
		c.IAM.Principals = []sigv4.Principal{directoryAdmin}
	}))
	ctx := context.Background()
	ids := identitystore.New(identitystore.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(directoryAdmin.AccessKeyID, directoryAdmin.SecretAccessKey, "")})
	store := aws.String(srv.Srv.Config().IAM.IdentityStoreID)
	created, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: store, UserName: aws.String("frank"),
		DisplayName: aws.String("Frank"), Name: &idtypes.Name{GivenName: aws.String("Frank"), FamilyName: aws.String("Castle")}})
	if err != nil {
		t.Fatal(err)
	}
	// "ssooidc admin user passwd frank" does this.
	if err := srv.Srv.Identity().SetPassword(ctx, "frank", "frank's long passphrase"); err != nil {
		t.Fatal(err)
	}
	u, err := srv.Srv.Identity().SignIn(ctx, "frank", "frank's long passphrase", "192.0.2.7")
	if err != nil || u.ID != aws.ToString(created.UserId) {
		t.Fatalf("frank signs in: %+v, %v", u, err)
	}

	pc := portalClient(srv)
	r, tok, refreshTok := loginAs(t, srv, "frank")
	accounts := func(tok string) (string, error) {
		out, err := pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: &tok})
		if err != nil {
			return "", err
		}
		var ids []string
		for _, a := range out.AccountList {
			ids = append(ids, aws.ToString(a.AccountId))
		}
		return fmt.Sprint(ids), nil
	}
	if got, err := accounts(tok); err != nil || got != "[]" {
		t.Fatalf("frank before any membership: %s, %v", got, err)
	}
	devs, err := ids.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store,
		AlternateIdentifier: &idtypes.AlternateIdentifierMemberUniqueAttribute{Value: idtypes.UniqueAttribute{
			AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("devs")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store, GroupId: devs.GroupId,
		MemberId: &idtypes.MemberIdMemberUserId{Value: u.ID}}); err != nil {
		t.Fatal(err)
	}
	if got, err := accounts(tok); err != nil || got != "["+acctStatic+"]" {
		t.Errorf("frank after joining devs through the API: %s, %v", got, err)
	}

	// SCIM deactivates frank: his token stops working, he cannot sign in.
	_, secret, err := srv.Srv.SCIMTokens().Create(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PATCH", srv.URL+"/scim/v2/Users/"+u.ID, bytes.NewReader([]byte(
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)))
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("SCIM PATCH active=False: %d", resp.StatusCode)
	}
	var unauthorized *ssotypes.UnauthorizedException
	if _, err := accounts(tok); !errors.As(err, &unauthorized) {
		t.Errorf("a deactivated person's token still works: %v", err)
	}
	if _, err := refresh(sdk(srv), r, refreshTok); err == nil {
		t.Errorf("a deactivated person's refresh token still works")
	}
	if _, err := srv.Srv.Identity().SignIn(ctx, "frank", "frank's long passphrase", "192.0.2.7"); err == nil {
		t.Errorf("a deactivated person signs in")
	}

	// Enabled again through the API, frank signs in; deleted through the
	// API, his new token stops working at once.
	if _, err := ids.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: store, UserId: created.UserId,
		Operations: []idtypes.AttributeOperation{{AttributePath: aws.String("userStatus"), AttributeValue: document.NewLazyDocument("ENABLED")}}}); err != nil {
		t.Fatal(err)
	}
	_, tok, _ = loginAs(t, srv, "frank")
	if got, err := accounts(tok); err != nil || got != "["+acctStatic+"]" {
		t.Errorf("frank enabled again: %s, %v", got, err)
	}
	if _, err := ids.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: store, UserId: created.UserId}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts(tok); !errors.As(err, &unauthorized) {
		t.Errorf("a deleted person's token still works: %v", err)
	}
}
