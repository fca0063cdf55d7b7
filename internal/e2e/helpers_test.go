package e2e

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// clock is a settable clock for expiry tests.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

func withClock(c *clock) servertest.Option {
	return servertest.WithConfig(func(cfg *server.Config) { cfg.Now = c.Now })
}

// sdk returns aws-sdk-go-v2's SSO OIDC client pointed at srv, unsigned and
// without retries, as the AWS tools call it.
func sdk(srv *servertest.Server) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
	})
}

type registered struct{ id, secret string }

func register(t testing.TB, c *ssooidc.Client, scopes ...string) registered {
	t.Helper()
	out, err := c.RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("e2e"), ClientType: aws.String("public"), Scopes: scopes,
	})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return registered{aws.ToString(out.ClientId), aws.ToString(out.ClientSecret)}
}

func start(t testing.TB, c *ssooidc.Client, r registered) *ssooidc.StartDeviceAuthorizationOutput {
	t.Helper()
	out, err := c.StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: &r.id, ClientSecret: &r.secret, StartUrl: aws.String(servertest.StartURL),
	})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	return out
}

func poll(c *ssooidc.Client, r registered, deviceCode string) (*ssooidc.CreateTokenOutput, error) {
	return c.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: &r.id, ClientSecret: &r.secret, DeviceCode: &deviceCode,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"),
	})
}

func refresh(c *ssooidc.Client, r registered, token string) (*ssooidc.CreateTokenOutput, error) {
	return c.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: &r.id, ClientSecret: &r.secret, RefreshToken: &token, GrantType: aws.String("refresh_token"),
	})
}

// login runs a whole device flow, approving through the service.
func login(t testing.TB, srv *servertest.Server, c *ssooidc.Client, r registered) *ssooidc.CreateTokenOutput {
	t.Helper()
	st := start(t, c, r)
	srv.Decide(t, aws.ToString(st.UserCode), "alice", true)
	tok, err := poll(c, r, aws.ToString(st.DeviceCode))
	if err != nil {
		t.Fatalf("CreateToken after approval: %v", err)
	}
	return tok
}
