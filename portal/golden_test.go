package portal_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/ssooidc/ssooidc/portal"
)

type requestCase struct {
	name string
	ours func(context.Context, *portal.Client) error
	sdk  func(context.Context, *sdk.Client) error
}

var requestCases = []requestCase{
	{"GetRoleCredentials",
		func(ctx context.Context, c *portal.Client) error {
			_, err := c.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{AccessToken: "tok", AccountID: "123456789012", RoleName: "AdministratorAccess"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.GetRoleCredentials(ctx, &sdk.GetRoleCredentialsInput{AccessToken: aws.String("tok"), AccountId: aws.String("123456789012"), RoleName: aws.String("AdministratorAccess")})
			return err
		}},
	{"GetRoleCredentials-escaped",
		func(ctx context.Context, c *portal.Client) error {
			_, err := c.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{AccessToken: "t/+=", AccountID: "1 2&3", RoleName: "Role+Name/é"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.GetRoleCredentials(ctx, &sdk.GetRoleCredentialsInput{AccessToken: aws.String("t/+="), AccountId: aws.String("1 2&3"), RoleName: aws.String("Role+Name/é")})
			return err
		}},
	{"ListAccounts",
		func(ctx context.Context, c *portal.Client) error {
			_, err := c.ListAccounts(ctx, &portal.ListAccountsInput{AccessToken: "tok"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.ListAccounts(ctx, &sdk.ListAccountsInput{AccessToken: aws.String("tok")})
			return err
		}},
	{"ListAccounts-page",
		func(ctx context.Context, c *portal.Client) error {
			_, err := c.ListAccounts(ctx, &portal.ListAccountsInput{AccessToken: "tok", MaxResults: 50, NextToken: "next/+=="})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.ListAccounts(ctx, &sdk.ListAccountsInput{AccessToken: aws.String("tok"), MaxResults: aws.Int32(50), NextToken: aws.String("next/+==")})
			return err
		}},
	{"ListAccountRoles",
		func(ctx context.Context, c *portal.Client) error {
			_, err := c.ListAccountRoles(ctx, &portal.ListAccountRolesInput{AccessToken: "tok", AccountID: "123456789012", MaxResults: 1, NextToken: "n"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.ListAccountRoles(ctx, &sdk.ListAccountRolesInput{AccessToken: aws.String("tok"), AccountId: aws.String("123456789012"), MaxResults: aws.Int32(1), NextToken: aws.String("n")})
			return err
		}},
	{"Logout",
		func(ctx context.Context, c *portal.Client) error {
			_, err := c.Logout(ctx, &portal.LogoutInput{AccessToken: "tok"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.Logout(ctx, &sdk.LogoutInput{AccessToken: aws.String("tok")})
			return err
		}},
}

// TestRequestsMatchAWSSDK sends every portal operation with our client and
// with aws-sdk-go-v2 and compares method, path, query, body, the relevant
// headers (bearer token and its spelling, no Authorization) and the set of
// header names.
func TestRequestsMatchAWSSDK(t *testing.T) {
	for _, prefix := range []string{"", "/portal/"} {
		for _, tc := range requestCases {
			t.Run(tc.name+prefix, func(t *testing.T) {
				isolateEnv(t)
				ctx := context.Background()
				rec := newRecorder(t)
				ours := portal.NewFromConfig(aws.Config{Region: "us-east-1"}, portal.WithEndpoint(rec.URL+prefix))
				if err := tc.ours(ctx, ours); err != nil {
					t.Fatalf("our client: %v", err)
				}
				got := rec.take()
				theirs := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(rec.URL + prefix)})
				if err := tc.sdk(ctx, theirs); err != nil {
					t.Fatalf("aws-sdk-go-v2: %v", err)
				}
				want := rec.take()
				if len(got) != 1 || len(want) != 1 || !reflect.DeepEqual(got[0], want[0]) {
					t.Errorf("request differs from aws-sdk-go-v2's\nours: %s\nSDK:  %s", jsonIndent(got), jsonIndent(want))
				}
			})
		}
	}
}
