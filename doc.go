// Package ssooidc is a Go client for the AWS IAM Identity Center OIDC API
// ("SSO OIDC", 2019-06-10), for AWS itself and for the self-hosted ssooidc
// server. This program signs a user in with the device flow, as
// "aws sso login --use-device-code" does:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//
//		"github.com/ssooidc/ssooidc"
//	)
//
//	func main() {
//		ctx := context.Background()
//		c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
//		if err != nil {
//			log.Fatal(err)
//		}
//		reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
//			ClientName: "my-tool",
//			Scopes:     []string{"sso:account:access"},
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
//			ClientID:     reg.ClientID,
//			ClientSecret: reg.ClientSecret,
//			StartURL:     "https://d-1234567890.awsapps.com/start",
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Printf("Open %s and confirm the code %s\n", auth.VerificationURIComplete, auth.UserCode)
//		tok, err := c.PollDeviceToken(ctx, &ssooidc.PollDeviceTokenInput{
//			ClientID:      reg.ClientID,
//			ClientSecret:  reg.ClientSecret,
//			Authorization: auth,
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Println("signed in; the token expires at", tok.Expiry)
//	}
//
// # Operations
//
// The client has the four operations of the service model, with every
// member: RegisterClient, StartDeviceAuthorization and CreateToken, which
// are never signed, and CreateTokenWithIAM, signed with SigV4 (signing name
// "sso-oauth"). Requests and responses are those of aws-sdk-go-v2, byte for
// byte where it matters; member names follow Go conventions (ClientID for
// clientId).
//
// # Configuration
//
// New reads the environment and the shared config files like every AWS SDK
// (region, profile, credentials, endpoint URLs, FIPS and dual-stack, CA
// bundle, app id, retry settings); NewFromConfig takes an aws.Config that a
// program already loaded. Options, shared with package portal, hold
// everything else: timeouts, keep-alives, a custom HTTP client, a retryer,
// a *slog.Logger. See awsclient.Options.
//
// # Per-call options, metadata, clock skew
//
// As in aws-sdk-go-v2, every operation takes optFns ...func(*Options) that
// apply to that call only (the client's HTTP client, retry quota, cached
// credentials and clock offset are shared), and every output carries
// ResultMetadata: request id, HTTP status and headers, the server's Date,
// the number of attempts and the clock skew observed. Clock skew is
// corrected as aws-sdk-go-v2 corrects it: the offset between this machine
// and the server's Date header is added to the signing time; a signature
// refused as expired (InvalidSignatureException, RequestTimeTooSkewed, ...)
// when the clocks differ by more than 4 minutes is retried once with the
// corrected time, and the client keeps the offset for its later calls.
// WithClockSkewCorrection(false), or AWS_DISABLE_CLOCK_SKEW_CORRECTION,
// turns it off.
//
// # Errors
//
// Each error shape of the model is a type, found with errors.As:
//
//	var pending *ssooidc.AuthorizationPendingException
//	if errors.As(err, &pending) { ... }
//
// Every such error embeds ErrorInfo (the "error" and "error_description"
// members, request id, HTTP status), implements smithy.APIError and
// ServiceError; an unknown code becomes an *APIError. The error code is
// read as aws-sdk-go-v2 reads it: the X-Amzn-ErrorType header first (real
// AWS sends "AuthorizationPendingException:http://internal.amazon.com/..."),
// then the body's __type or code. As in aws-sdk-go-v2, the error returned by
// an operation is a *smithy.OperationError wrapping an
// *awshttp.ResponseError wrapping the typed error.
//
// # Helpers
//
// Beyond the operations: PollDeviceToken, the device-flow loop (RFC 8628)
// bounded by the device code's expiry and ctx, honouring the interval and
// slowing down by 5 s on SlowDown; GenerateVerifier, S256Challenge, NewState
// and AuthorizeURL for the authorization-code flow with PKCE, encoding the
// URL exactly as the AWS CLI does; and TokenSource, an oauth2.TokenSource
// that renews an access token with its refresh token.
package ssooidc
