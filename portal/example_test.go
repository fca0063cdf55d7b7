package portal_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc/portal"
)

func ExampleClient_GetRoleCredentials() {
	ctx := context.Background()
	c, err := portal.New(ctx, portal.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	out, err := c.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{
		AccessToken: "access-token-from-ssooidc",
		AccountID:   "123456789012",
		RoleName:    "AdministratorAccess",
	})
	var unauthorized *portal.UnauthorizedException
	if errors.As(err, &unauthorized) {
		log.Fatal("the SSO session expired: sign in again")
	} else if err != nil {
		log.Fatal(err)
	}
	// Ready for any aws-sdk-go-v2 client.
	cfg := aws.Config{Region: "us-west-2", Credentials: aws.CredentialsProviderFunc(
		func(context.Context) (aws.Credentials, error) { return out.RoleCredentials.Credentials(), nil })}
	fmt.Println(out.RoleCredentials.Expiration, cfg.Region)
}

func ExampleNewListAccountsPaginator() {
	ctx := context.Background()
	c, _ := portal.New(ctx, portal.WithRegion("us-east-1"))
	p := portal.NewListAccountsPaginator(c, &portal.ListAccountsInput{AccessToken: "access-token", MaxResults: 100})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			log.Fatal(err)
		}
		for _, a := range page.AccountList {
			fmt.Println(a.AccountID, a.AccountName, a.EmailAddress)
		}
	}
}

func ExampleNewListAccountRolesPaginator() {
	ctx := context.Background()
	c, _ := portal.New(ctx, portal.WithRegion("us-east-1"))
	p := portal.NewListAccountRolesPaginator(c, &portal.ListAccountRolesInput{AccessToken: "access-token", AccountID: "123456789012"})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range page.RoleList {
			fmt.Println(r.RoleName)
		}
	}
}

func ExampleClient_ListAccounts() {
	ctx := context.Background()
	c, _ := portal.New(ctx, portal.WithRegion("us-east-1"))
	page, err := c.ListAccounts(ctx, &portal.ListAccountsInput{AccessToken: "access-token", MaxResults: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.AccountList), "accounts; more:", page.NextToken != "")
}

func ExampleClient_ListAccountRoles() {
	ctx := context.Background()
	c, _ := portal.New(ctx, portal.WithRegion("us-east-1"))
	page, err := c.ListAccountRoles(ctx, &portal.ListAccountRolesInput{AccessToken: "access-token", AccountID: "123456789012"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.RoleList)
}

// Logout ends the session, as "aws sso logout" does.
func ExampleClient_Logout() {
	ctx := context.Background()
	c, _ := portal.New(ctx, portal.WithRegion("us-east-1"), portal.WithEndpoint("http://127.0.0.1:8080"))
	if _, err := c.Logout(ctx, &portal.LogoutInput{AccessToken: "access-token"}); err != nil {
		log.Fatal(err)
	}
}
