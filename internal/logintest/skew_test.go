package logintest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdkoidc "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/wire"
)

// TestClockSkewAgainstShiftedServer: our server with its clock 20 minutes
// ahead (servertest's Now, and its Date header through a loopback proxy,
// as a machine whose clock is ahead sends it) refuses a CreateTokenWithIAM
// signed with this machine's time ("Signature expired"). Our SDK, like
// aws-sdk-go-v2, learns the offset from the Date header and succeeds on
// its one retry: the call then gets past the signature check to the grant
// (a refresh token the server does not know: InvalidGrantException). With
// the correction off, both fail after one attempt.
func TestClockSkewAgainstShiftedServer(t *testing.T) {
	t.Parallel()
	const ahead = 20 * time.Minute
	now := func() time.Time { return time.Now().Add(ahead) }
	app := "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-3333333333333333"
	caller := sigv4.Principal{AccessKeyID: "AKIASKEWEXAMPLE", SecretAccessKey: "skew-secret", Account: "123456789012", ARN: "arn:aws:iam::123456789012:role/skewed"}
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Now = now
		c.IAM = server.IAMConfig{
			Principals: []sigv4.Principal{caller},
			Applications: []iamtoken.Application{{ARN: app, Name: "skew", GrantTypes: []string{wire.GrantRefreshToken},
				Scopes: []string{"app:read"}, Principals: []string{caller.ARN}}},
		}
	}))
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Set("Date", now().UTC().Format(http.TimeFormat))
		return nil
	}
	shifted := httptest.NewServer(proxy)
	defer shifted.Close()
	ctx := context.Background()
	in := &ssooidc.CreateTokenWithIAMInput{ClientID: app, GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: "aorAAAAAGhvbGRzIG5vdGhpbmc"}

	ours := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(shifted.URL),
		ssooidc.WithStaticCredentials(caller.AccessKeyID, caller.SecretAccessKey, ""))
	_, err := ours.CreateTokenWithIAM(ctx, in)
	var grant *ssooidc.InvalidGrantException
	if !errors.As(err, &grant) {
		t.Errorf("our SDK against a server 20 minutes ahead: %v", err)
	}
	_, err = ours.CreateTokenWithIAM(ctx, in, ssooidc.WithClockSkewCorrection(false), ssooidc.WithRetryMaxAttempts(3))
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("our SDK without correction: %v", err)
	}

	// The oracle: aws-sdk-go-v2 itself.
	sdk := func(disable bool) error {
		c := sdkoidc.New(sdkoidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(shifted.URL),
			Credentials:                credentials.NewStaticCredentialsProvider(caller.AccessKeyID, caller.SecretAccessKey, ""),
			DisableClockSkewCorrection: disable})
		_, err := c.CreateTokenWithIAM(ctx, &sdkoidc.CreateTokenWithIAMInput{ClientId: aws.String(app),
			GrantType: aws.String(wire.GrantRefreshToken), RefreshToken: aws.String(in.RefreshToken)})
		return err
	}
	var sdkGrant interface{ ErrorCode() string }
	if err := sdk(false); !errors.As(err, &sdkGrant) || sdkGrant.ErrorCode() != "InvalidGrantException" {
		t.Errorf("aws-sdk-go-v2 with correction: %v", err)
	}
	if err := sdk(true); !errors.As(err, &sdkGrant) || sdkGrant.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("aws-sdk-go-v2 without correction: %v", err)
	}
}
