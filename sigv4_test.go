package ssooidc_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ssooidc/ssooidc"
)

// fixedTimeSigner is aws-sdk-go-v2's own SigV4 signer with the signing time
// pinned; everything else (payload hash, service, region, headers) is what
// the SDK computed.
type fixedTimeSigner struct{ at time.Time }

func (s fixedTimeSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, creds, r, payloadHash, service, region, s.at, optFns...)
}

// setInvocationID makes the SDK send our amz-sdk-invocation-id, a signed
// header whose value is random.
func setInvocationID(id string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("fixInvocationID",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				in.Request.(*smithyhttp.Request).Header.Set("Amz-Sdk-Invocation-Id", id)
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// TestSigV4MatchesAWSSDK signs CreateTokenWithIAM with our client and with
// aws-sdk-go-v2 for the same time, credentials, region and input, and
// requires the same Authorization header.
func TestSigV4MatchesAWSSDK(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name              string
		region            string
		creds             aws.CredentialsProvider
		wantRegionInScope string
	}{
		{"session-token", "us-east-1", credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSIONTOKEN"), "us-east-1"},
		{"no-session-token", "eu-west-1", credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""), "eu-west-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			ctx := context.Background()
			rec := newRecorder(t)
			in := &ssooidc.CreateTokenWithIAMInput{ClientID: "arn:aws:sso::123456789012:application/ssoins-1/apl-2",
				GrantType: ssooidc.GrantTypeJWTBearer, Assertion: "eyJhbGciOi<&>", Scope: []string{"openid"}}

			ours := ssooidc.NewFromConfig(aws.Config{Region: tc.region}, ssooidc.WithEndpoint(rec.URL),
				ssooidc.WithCredentials(tc.creds), func(o *ssooidc.Options) { o.Now = func() time.Time { return at } })
			if _, err := ours.CreateTokenWithIAM(ctx, in); err != nil {
				t.Fatal(err)
			}
			ourReq := rec.lastRaw()

			theirs := sdk.New(sdk.Options{Region: tc.region, BaseEndpoint: aws.String(rec.URL), Credentials: tc.creds,
				HTTPSignerV4: fixedTimeSigner{at}, APIOptions: []func(*middleware.Stack) error{setInvocationID(ourReq.Header.Get("Amz-Sdk-Invocation-Id"))}})
			if _, err := theirs.CreateTokenWithIAM(ctx, &sdk.CreateTokenWithIAMInput{ClientId: aws.String(in.ClientID),
				GrantType: aws.String(in.GrantType), Assertion: aws.String(in.Assertion), Scope: in.Scope}); err != nil {
				t.Fatal(err)
			}
			sdkReq := rec.lastRaw()

			got, want := ourReq.Header.Get("Authorization"), sdkReq.Header.Get("Authorization")
			if got == "" || got != want {
				t.Errorf("Authorization\nours: %s\nSDK:  %s", got, want)
			}
			wantScope := "Credential=AKIDEXAMPLE/20260102/" + tc.wantRegionInScope + "/sso-oauth/aws4_request"
			if !strings.Contains(got, wantScope) {
				t.Errorf("Authorization %q lacks %q", got, wantScope)
			}
			if g, w := ourReq.Header.Get("X-Amz-Date"), "20260102T030405Z"; g != w {
				t.Errorf("X-Amz-Date = %q, want %q", g, w)
			}
		})
	}
}
