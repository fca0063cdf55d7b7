// Package portal is a Go client for the AWS IAM Identity Center portal API
// ("SSO", 2019-06-10): the calls that turn an SSO access token (from
// package ssooidc) into the accounts, roles and role credentials of its
// user. This program prints the credentials of every role of every account:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//		"os"
//
//		"github.com/ssooidc/ssooidc/portal"
//	)
//
//	func main() {
//		ctx := context.Background()
//		token := os.Getenv("SSO_ACCESS_TOKEN")
//		c, err := portal.New(ctx, portal.WithRegion("us-east-1"))
//		if err != nil {
//			log.Fatal(err)
//		}
//		accounts := portal.NewListAccountsPaginator(c, &portal.ListAccountsInput{AccessToken: token})
//		for accounts.HasMorePages() {
//			page, err := accounts.NextPage(ctx)
//			if err != nil {
//				log.Fatal(err)
//			}
//			for _, a := range page.AccountList {
//				roles, err := c.ListAccountRoles(ctx, &portal.ListAccountRolesInput{AccessToken: token, AccountID: a.AccountID})
//				if err != nil {
//					log.Fatal(err)
//				}
//				for _, r := range roles.RoleList {
//					out, err := c.GetRoleCredentials(ctx, &portal.GetRoleCredentialsInput{
//						AccessToken: token, AccountID: a.AccountID, RoleName: r.RoleName,
//					})
//					if err != nil {
//						log.Fatal(err)
//					}
//					fmt.Println(a.AccountID, r.RoleName, out.RoleCredentials.AccessKeyID, out.RoleCredentials.Expiration)
//				}
//			}
//		}
//	}
//
// No call is signed: the access token travels in the x-amz-sso_bearer_token
// header. Construction, options, retries and error wrapping are those of
// package ssooidc (the Options type is shared); the endpoint comes from
// AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, the sso key of a [services]
// section, endpoint_url, or the official rules
// (https://portal.sso.{region}.amazonaws.com). Each of the four error shapes
// is a type found with errors.As; an UnauthorizedException means the access
// token is invalid or expired and the user must sign in again.
package portal
