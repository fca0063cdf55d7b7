package login_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc/login"
)

// SSO login from a Go program: the profile's cached token, refreshed when
// due, or a login in the browser (or on another device when headless).
func ExampleNewFromProfile() {
	ctx := context.Background()
	c, err := login.NewFromProfile("dev", func(o *login.Options) { o.AutoLogin = true })
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Token(ctx)
	if err != nil {
		log.Fatal(err) // a *login.LoginRequiredError says which command signs in
	}
	fmt.Println("token valid until", tok.ExpiresAt)
}

// Role credentials for aws-sdk-go-v2, cached as the AWS CLI caches them.
func ExampleClient_CredentialsProvider() {
	c, err := login.NewFromProfile("dev")
	if err != nil {
		log.Fatal(err)
	}
	s := c.Session()
	cfg := aws.Config{Region: "us-west-2", Credentials: aws.NewCredentialsCache(c.CredentialsProvider(s.AccountID, s.RoleName))}
	_ = cfg
}

// An HTTP client that sends the SSO access token, for APIs that take it.
func ExampleClient_TokenSource() {
	ctx := context.Background()
	cfg, err := login.LoadConfig("")
	if err != nil {
		log.Fatal(err)
	}
	s, err := cfg.SSOSession("my-sso")
	if err != nil {
		log.Fatal(err)
	}
	var hc *http.Client = oauth2.NewClient(ctx, login.New(s).TokenSource(ctx))
	_ = hc
}

// Signing in with the device flow, with the person's prompt shown by the
// program itself.
func ExampleClient_Login() {
	ctx := context.Background()
	s := &login.Session{Name: "my-sso", StartURL: "https://d-1234567890.awsapps.com/start", Region: "us-east-1"}
	c := login.New(s, func(o *login.Options) {
		o.Flow = login.FlowDevice
		o.Endpoint = "http://127.0.0.1:8080" // a self-hosted ssooidc server
		o.Prompter = login.PrompterFunc(func(ctx context.Context, p *login.Prompt) {
			fmt.Printf("Open %s and check the code %s\n", p.URL, p.UserCode)
			<-ctx.Done()
		})
	})
	if _, err := c.Login(ctx); err != nil {
		log.Fatal(err)
	}
}
