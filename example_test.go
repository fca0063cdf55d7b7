package ssooidc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/ssooidc/ssooidc"
)

// A client for AWS in one region, configured otherwise from the environment
// and ~/.aws/config.
func ExampleNew() {
	ctx := context.Background()
	c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

// A client for a self-hosted ssooidc server, with timeouts, a logger and an
// app id in the User-Agent.
func ExampleNew_selfHosted() {
	ctx := context.Background()
	c, err := ssooidc.New(ctx,
		ssooidc.WithRegion("us-east-1"),
		ssooidc.WithEndpoint("http://127.0.0.1:8080"),
		ssooidc.WithTimeouts(3*time.Second, 10*time.Second, 30*time.Second),
		ssooidc.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		ssooidc.WithAppID("my-tool"),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

// A client from an aws.Config that the program already loaded.
func ExampleNewFromConfig() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-1"))
	if err != nil {
		log.Fatal(err)
	}
	c := ssooidc.NewFromConfig(cfg, func(o *ssooidc.Options) { o.RetryMaxAttempts = 5 })
	_ = c
}

func ExampleClient_RegisterClient() {
	ctx := context.Background()
	c, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: "my-tool",
		// Scopes make the tokens refreshable.
		Scopes: []string{"sso:account:access"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reg.ClientID, time.Unix(reg.ClientSecretExpiresAt, 0))
}

func ExampleClient_StartDeviceAuthorization() {
	ctx := context.Background()
	c, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientID:     "client-id-from-RegisterClient",
		ClientSecret: "client-secret-from-RegisterClient",
		StartURL:     "https://d-1234567890.awsapps.com/start",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Open %s and confirm %s before %s\n", auth.VerificationURIComplete, auth.UserCode, auth.Expiry)
}

// The device-flow login loop: register, start, show the code, wait.
func ExampleClient_PollDeviceToken() {
	ctx := context.Background()
	c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "my-tool", Scopes: []string{"sso:account:access"}})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://d-1234567890.awsapps.com/start",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Open %s and confirm the code %s\n", auth.VerificationURIComplete, auth.UserCode)

	tok, err := c.PollDeviceToken(ctx, &ssooidc.PollDeviceTokenInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, Authorization: auth,
	})
	var denied *ssooidc.AccessDeniedException
	switch {
	case errors.Is(err, ssooidc.ErrDeviceCodeExpired):
		log.Fatal("the code expired; run the login again")
	case errors.As(err, &denied):
		log.Fatal("the request was denied")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("access token valid until", tok.Expiry)
}

// Refreshing an access token by hand; see also Client.TokenSource.
func ExampleClient_CreateToken() {
	ctx := context.Background()
	c, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientID:     "client-id",
		ClientSecret: "client-secret",
		GrantType:    ssooidc.GrantTypeRefreshToken,
		RefreshToken: "refresh-token",
	})
	var invalid *ssooidc.InvalidGrantException
	if errors.As(err, &invalid) {
		log.Fatalf("sign in again (request %s): %s", invalid.RequestID, invalid.ErrorDescription)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, tok.ExpiresIn)
}

// Exchanging a trusted token issuer's JWT for an IAM Identity Center token
// on behalf of the application's IAM role: the one signed operation.
func ExampleClient_CreateTokenWithIAM() {
	ctx := context.Background()
	// Credentials come from the default chain of the profile; they sign the
	// request with SigV4 ("sso-oauth").
	c, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	out, err := c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
		ClientID:  "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222",
		GrantType: ssooidc.GrantTypeJWTBearer,
		Assertion: "eyJhbGciOiJSUzI1NiJ9...",
	})
	var region *ssooidc.InvalidRequestRegionException
	if errors.As(err, &region) {
		log.Fatalf("use region %s (%s)", region.Region, region.Endpoint)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.IssuedTokenType, out.Scope)
}

// The authorization-code flow with PKCE, as "aws sso login" does it: a
// verifier, its challenge and a state go into the browser URL; the code
// that comes back to the loopback redirect goes to CreateToken with the
// verifier.
func ExampleAuthorizeURL() {
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // normally ssooidc.GenerateVerifier()
	u, err := ssooidc.AuthorizeURL("https://oidc.us-east-1.amazonaws.com", &ssooidc.AuthorizeURLInput{
		ClientID:      "client-id",
		RedirectURI:   "http://127.0.0.1:53127/oauth/callback",
		State:         "6b0d2f0e-6a47-4e0b-9ad6-5fd1f3bd0e6a", // normally ssooidc.NewState()
		CodeChallenge: ssooidc.S256Challenge(verifier),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	// Then, with the code from the redirect:
	//
	//	c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: ..., ClientSecret: ...,
	//		GrantType: ssooidc.GrantTypeAuthorizationCode, Code: code,
	//		RedirectURI: "http://127.0.0.1:53127/oauth/callback", CodeVerifier: verifier})

	// Output:
	// https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A53127%2Foauth%2Fcallback&state=6b0d2f0e-6a47-4e0b-9ad6-5fd1f3bd0e6a&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
}

// An oauth2.TokenSource that renews the access token with its refresh
// token when it expires.
func ExampleClient_TokenSource() {
	ctx := context.Background()
	c, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	first, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientID: "client-id", ClientSecret: "client-secret",
		GrantType: ssooidc.GrantTypeDeviceCode, DeviceCode: "device-code",
	})
	if err != nil {
		log.Fatal(err)
	}
	src := c.TokenSource(ctx, "client-id", "client-secret", first.Token())
	tok, err := src.Token() // refreshed if expired
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Expiry)
}

// Every service error carries the OAuth error, the request id and the
// HTTP status.
func ExampleServiceError() {
	ctx := context.Background()
	c, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"))
	_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: "c", ClientSecret: "s", GrantType: "refresh_token", RefreshToken: "r"})
	var se ssooidc.ServiceError
	if errors.As(err, &se) {
		info := se.Info()
		log.Printf("%s (%s): %s; request %s, HTTP %d", info.Code, info.OAuthError, info.ErrorDescription, info.RequestID, info.StatusCode)
	}
}
