package ssooidc_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc"
)

var update = flag.Bool("update", false, "rewrite testdata goldens from aws-sdk-go-v2's requests")

// requestCase is one operation call, made the same way with our client and
// with aws-sdk-go-v2's.
type requestCase struct {
	name string
	ours func(context.Context, *ssooidc.Client) error
	sdk  func(context.Context, *sdk.Client) error
}

// odd is a string that JSON encoders disagree on: HTML characters, a
// control character, U+2028 and non-ASCII.
const odd = "<&>\x01\"\\/\u2028é😀"

var requestCases = []requestCase{
	{"RegisterClient-all-members",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
				ClientName: "My IDE Plugin", ClientType: "public",
				Scopes:                 []string{"sso:account:access", "codewhisperer:completions"},
				RedirectURIs:           []string{"127.0.0.1:PORT/oauth/callback", "http://127.0.0.1/oauth/callback"},
				GrantTypes:             []string{"authorization_code", "refresh_token"},
				IssuerURL:              "https://identitycenter.amazonaws.com/ssoins-1111111111111111",
				EntitledApplicationArn: "arn:aws:sso::ACCOUNTID:application/ssoins-1111111111111111/apl-1111111111111111",
			})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.RegisterClient(ctx, &sdk.RegisterClientInput{
				ClientName: aws.String("My IDE Plugin"), ClientType: aws.String("public"),
				Scopes:                 []string{"sso:account:access", "codewhisperer:completions"},
				RedirectUris:           []string{"127.0.0.1:PORT/oauth/callback", "http://127.0.0.1/oauth/callback"},
				GrantTypes:             []string{"authorization_code", "refresh_token"},
				IssuerUrl:              aws.String("https://identitycenter.amazonaws.com/ssoins-1111111111111111"),
				EntitledApplicationArn: aws.String("arn:aws:sso::ACCOUNTID:application/ssoins-1111111111111111/apl-1111111111111111"),
			})
			return err
		}},
	{"RegisterClient-device-flow-minimal",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "botocore-client-my-sso"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.RegisterClient(ctx, &sdk.RegisterClientInput{ClientName: aws.String("botocore-client-my-sso"), ClientType: aws.String("public")})
			return err
		}},
	{"StartDeviceAuthorization",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
				ClientID: "_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID", ClientSecret: "VERYLONGSECRET", StartURL: "https://d-1234567890.awsapps.com/start"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.StartDeviceAuthorization(ctx, &sdk.StartDeviceAuthorizationInput{
				ClientId: aws.String("_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID"), ClientSecret: aws.String("VERYLONGSECRET"), StartUrl: aws.String("https://d-1234567890.awsapps.com/start")})
			return err
		}},
	{"StartDeviceAuthorization-odd-characters",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: odd, ClientSecret: "s\t\n", StartURL: odd})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.StartDeviceAuthorization(ctx, &sdk.StartDeviceAuthorizationInput{ClientId: aws.String(odd), ClientSecret: aws.String("s\t\n"), StartUrl: aws.String(odd)})
			return err
		}},
	{"CreateToken-all-members",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
				ClientID: "cid", ClientSecret: "csecret", GrantType: "authorization_code", DeviceCode: "dc", Code: "code",
				RefreshToken: "rt", Scope: []string{"a", "b"}, RedirectURI: "http://127.0.0.1:53127/oauth/callback", CodeVerifier: "verifier"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.CreateToken(ctx, &sdk.CreateTokenInput{
				ClientId: aws.String("cid"), ClientSecret: aws.String("csecret"), GrantType: aws.String("authorization_code"),
				DeviceCode: aws.String("dc"), Code: aws.String("code"), RefreshToken: aws.String("rt"), Scope: []string{"a", "b"},
				RedirectUri: aws.String("http://127.0.0.1:53127/oauth/callback"), CodeVerifier: aws.String("verifier")})
			return err
		}},
	{"CreateToken-device-code",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: "cid", ClientSecret: "cs", GrantType: ssooidc.GrantTypeDeviceCode, DeviceCode: "dc"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.CreateToken(ctx, &sdk.CreateTokenInput{ClientId: aws.String("cid"), ClientSecret: aws.String("cs"),
				GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: aws.String("dc")})
			return err
		}},
	{"CreateToken-refresh-token",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: "cid", ClientSecret: "cs", GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: "rt"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.CreateToken(ctx, &sdk.CreateTokenInput{ClientId: aws.String("cid"), ClientSecret: aws.String("cs"),
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String("rt")})
			return err
		}},
	{"CreateTokenWithIAM-all-members",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
				ClientID: "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222", GrantType: "authorization_code",
				Code: "code", RefreshToken: "rt", Assertion: "jwt", Scope: []string{"openid", "aws"}, RedirectURI: "https://app/cb",
				SubjectToken: "st", SubjectTokenType: ssooidc.TokenTypeAccessToken, RequestedTokenType: ssooidc.TokenTypeRefreshToken, CodeVerifier: "v"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.CreateTokenWithIAM(ctx, &sdk.CreateTokenWithIAMInput{
				ClientId: aws.String("arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222"), GrantType: aws.String("authorization_code"),
				Code: aws.String("code"), RefreshToken: aws.String("rt"), Assertion: aws.String("jwt"), Scope: []string{"openid", "aws"},
				RedirectUri: aws.String("https://app/cb"), SubjectToken: aws.String("st"),
				SubjectTokenType: aws.String("urn:ietf:params:oauth:token-type:access_token"), RequestedTokenType: aws.String("urn:ietf:params:oauth:token-type:refresh_token"),
				CodeVerifier: aws.String("v")})
			return err
		}},
	{"CreateTokenWithIAM-jwt-bearer",
		func(ctx context.Context, c *ssooidc.Client) error {
			_, err := c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: "arn:app", GrantType: ssooidc.GrantTypeJWTBearer, Assertion: "eyJ"})
			return err
		},
		func(ctx context.Context, c *sdk.Client) error {
			_, err := c.CreateTokenWithIAM(ctx, &sdk.CreateTokenWithIAMInput{ClientId: aws.String("arn:app"),
				GrantType: aws.String("urn:ietf:params:oauth:grant-type:jwt-bearer"), Assertion: aws.String("eyJ")})
			return err
		}},
}

// TestRequestsMatchAWSSDK sends every operation with our client and with
// aws-sdk-go-v2 and compares what the server receives: method, path,
// query, body (parsed and raw), the values of the relevant headers and the
// set of header names. The SDK's request is also kept as a golden file.
func TestRequestsMatchAWSSDK(t *testing.T) {
	for _, prefix := range []string{"", "/oidc"} {
		for _, tc := range requestCases {
			t.Run(tc.name+prefix, func(t *testing.T) {
				isolateEnv(t)
				ctx := context.Background()
				rec := newRecorder(t)
				endpoint := rec.URL + prefix
				creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "SECRET", "SESSION")

				ours := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"},
					ssooidc.WithEndpoint(endpoint), ssooidc.WithCredentials(creds))
				if err := tc.ours(ctx, ours); err != nil {
					t.Fatalf("our client: %v", err)
				}
				got := rec.take()

				theirs := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds})
				if err := tc.sdk(ctx, theirs); err != nil {
					t.Fatalf("aws-sdk-go-v2: %v", err)
				}
				want := rec.take()

				if len(got) != 1 || len(want) != 1 {
					t.Fatalf("requests: ours %d, SDK %d; want 1 each", len(got), len(want))
				}
				if !reflect.DeepEqual(got[0], want[0]) {
					t.Errorf("request differs from aws-sdk-go-v2's\nours: %s\nSDK:  %s", jsonIndent(got[0]), jsonIndent(want[0]))
				}
				if prefix == "" {
					checkGolden(t, filepath.Join("testdata", "requests", tc.name+".json"), want[0])
				}
			})
		}
	}
}

// checkGolden compares v with a golden file, or writes it with -update.
func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	text := jsonIndent(v) + "\n"
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(b) != text {
		t.Errorf("%s differs from golden:\n%s\nwant:\n%s", path, text, b)
	}
}
