package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsoidc "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/wire"
)

// iamSDK is aws-sdk-go-v2's SSO OIDC client signing as p for region.
func iamSDK(e *iamEnv, p sigv4.Principal, region string) *awsoidc.Client {
	return awsoidc.New(awsoidc.Options{
		Region:           region,
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, p.SessionToken),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
	})
}

// TestIAMGoSDK: aws-sdk-go-v2 signs CreateTokenWithIAM with configured
// credentials and gets tokens for every grant; every ID token verifies
// with the published JWKS.
func TestIAMGoSDK(t *testing.T) {
	e := newIAMEnv(t)
	ctx := iamCtx(t)
	c := iamSDK(e, webApp, "us-east-1")
	check := func(name string, out *awsoidc.CreateTokenWithIAMOutput, wantRefresh bool) {
		t.Helper()
		if aws.ToString(out.AccessToken) == "" || aws.ToString(out.TokenType) != "Bearer" || out.ExpiresIn != 3600 {
			t.Errorf("%s: %+v", name, out)
		}
		if (out.RefreshToken != nil) != wantRefresh {
			t.Errorf("%s: refresh token present %v, want %v", name, out.RefreshToken != nil, wantRefresh)
		}
		claims := verifyIDToken(t, e.srv, aws.ToString(out.IdToken))
		if out.AwsAdditionalDetails == nil || aws.ToString(out.AwsAdditionalDetails.IdentityContext) != claims.IdentityContext {
			t.Errorf("%s: awsAdditionalDetails.identityContext differs from the ID token's claim", name)
		}
	}

	code, verifier, redirectURI := e.code(t)
	out, err := c.CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp),
		GrantType: aws.String("authorization_code"), Code: &code, CodeVerifier: &verifier, RedirectUri: &redirectURI})
	if err != nil {
		t.Fatalf("authorization_code: %v", err)
	}
	check("authorization_code", out, true)
	if aws.ToString(out.IssuedTokenType) != wire.TokenTypeRefreshToken || strings.Join(out.Scope, " ") != "openid aws sts:identity_context app:read" {
		t.Errorf("authorization_code: issued %q scope %v", aws.ToString(out.IssuedTokenType), out.Scope)
	}

	out, err = c.CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp),
		GrantType: aws.String("refresh_token"), RefreshToken: out.RefreshToken})
	if err != nil {
		t.Fatalf("refresh_token: %v", err)
	}
	check("refresh_token", out, true)

	out, err = c.CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp),
		GrantType: aws.String(wire.GrantJWTBearer), Assertion: aws.String(e.assertion(t, time.Now().Add(5*time.Minute))),
		Scope: []string{"openid", "sts:identity_context"}})
	if err != nil {
		t.Fatalf("jwt-bearer: %v", err)
	}
	check("jwt-bearer", out, true)
	if strings.Join(out.Scope, " ") != "openid sts:identity_context" {
		t.Errorf("jwt-bearer downscoped to %v", out.Scope)
	}

	out, err = c.CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp),
		GrantType: aws.String(wire.GrantTokenExchange), SubjectToken: aws.String(e.subjectToken(t)),
		SubjectTokenType: aws.String(wire.TokenTypeAccessToken), RequestedTokenType: aws.String(wire.TokenTypeAccessToken)})
	if err != nil {
		t.Fatalf("token-exchange: %v", err)
	}
	check("token-exchange", out, false)
	if aws.ToString(out.IssuedTokenType) != wire.TokenTypeAccessToken {
		t.Errorf("token-exchange issued %q", aws.ToString(out.IssuedTokenType))
	}

	// Temporary credentials (a session token) sign as well.
	if _, err := iamSDK(e, batchJob, "us-east-1").CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp),
		GrantType: aws.String(wire.GrantJWTBearer), Assertion: aws.String(e.assertion(t, time.Now().Add(time.Minute)))}); err != nil {
		t.Fatalf("session credentials: %v", err)
	}

	// The SDK's view of the front-end and region errors.
	_, err = iamSDK(e, sigv4.Principal{AccessKeyID: webApp.AccessKeyID, SecretAccessKey: "wrong"}, "us-east-1").CreateTokenWithIAM(ctx,
		&awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp), GrantType: aws.String("refresh_token"), RefreshToken: aws.String("x")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" || !strings.Contains(api.ErrorMessage(), "does not match") {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = iamSDK(e, webApp, "eu-west-1").CreateTokenWithIAM(ctx,
		&awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp), GrantType: aws.String("refresh_token"), RefreshToken: aws.String("x")})
	var region *types.InvalidRequestRegionException
	if !errors.As(err, &region) || aws.ToString(region.Region) != "us-east-1" || aws.ToString(region.Endpoint) != e.srv.URL {
		t.Errorf("wrong region: %v", err)
	}
	_, err = iamSDK(e, outsider, "us-east-1").CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(iamApp),
		GrantType: aws.String(wire.GrantJWTBearer), Assertion: aws.String(e.assertion(t, time.Now().Add(time.Minute)))})
	wantErr[*types.AccessDeniedException](t, err, 400)
}

// TestIAMOurClient: the project's own Go client does the same.
func TestIAMOurClient(t *testing.T) {
	isolateAWSConfig(t)
	e := newIAMEnv(t)
	ctx := iamCtx(t)
	c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(e.srv.URL),
		ssooidc.WithStaticCredentials(batchJob.AccessKeyID, batchJob.SecretAccessKey, batchJob.SessionToken))
	if err != nil {
		t.Fatal(err)
	}
	// check(name)(c.CreateTokenWithIAM(...)) checks one call's result.
	check := func(name string) func(*ssooidc.CreateTokenWithIAMOutput, error) *ssooidc.CreateTokenWithIAMOutput {
		return func(out *ssooidc.CreateTokenWithIAMOutput, err error) *ssooidc.CreateTokenWithIAMOutput {
			t.Helper()
			return checkOurs(t, e, name, out, err)
		}
	}
	code, verifier, redirectURI := e.code(t)
	out := check("authorization_code")(c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: iamApp,
		GrantType: ssooidc.GrantTypeAuthorizationCode, Code: code, CodeVerifier: verifier, RedirectURI: redirectURI}))
	check("refresh_token")(c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: iamApp,
		GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: out.RefreshToken}))
	check("jwt-bearer")(c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: iamApp,
		GrantType: ssooidc.GrantTypeJWTBearer, Assertion: e.assertion(t, time.Now().Add(time.Minute))}))
	out = check("token-exchange")(c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: iamApp,
		GrantType: ssooidc.GrantTypeTokenExchange, SubjectToken: e.subjectToken(t), SubjectTokenType: ssooidc.TokenTypeAccessToken,
		RequestedTokenType: ssooidc.TokenTypeRefreshToken}))
	if out.RefreshToken == "" || out.IssuedTokenType != ssooidc.TokenTypeRefreshToken {
		t.Errorf("token-exchange for a refresh token: %+v", out)
	}

	wrong, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(e.srv.URL),
		ssooidc.WithStaticCredentials("AKIANOBODYEXAMPLE", "x", ""))
	_, err = wrong.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: iamApp, GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: "x"})
	var api *ssooidc.APIError
	if !errors.As(err, &api) || api.Code != "UnrecognizedClientException" || api.StatusCode != 403 || api.Message == "" {
		t.Errorf("unknown key: %#v", err)
	}
	other, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-west-2"), ssooidc.WithEndpoint(e.srv.URL),
		ssooidc.WithStaticCredentials(webApp.AccessKeyID, webApp.SecretAccessKey, ""))
	_, err = other.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: iamApp, GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: "x"})
	var region *ssooidc.InvalidRequestRegionException
	if !errors.As(err, &region) || region.Region != "us-east-1" || region.Endpoint != e.srv.URL {
		t.Errorf("wrong region: %#v", err)
	}
}

// checkOurs checks a successful result of our client: tokens, an ID token
// that verifies, the identity context, the oauth2.Token form.
func checkOurs(t *testing.T, e *iamEnv, name string, out *ssooidc.CreateTokenWithIAMOutput, err error) *ssooidc.CreateTokenWithIAMOutput {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	claims := verifyIDToken(t, e.srv, out.IDToken)
	if out.AccessToken == "" || out.AWSAdditionalDetails == nil || out.AWSAdditionalDetails.IdentityContext != claims.IdentityContext {
		t.Errorf("%s: %+v", name, out)
	}
	if tok := out.Token(); tok.Extra("id_token") != out.IDToken || !tok.Valid() {
		t.Errorf("%s: oauth2 token %+v", name, tok)
	}
	return out
}
