package e2e

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// wantErr checks that err is the typed aws-sdk-go-v2 error T, with the
// given HTTP status and a readable description.
func wantErr[T error](t *testing.T, err error, status int) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("got %T %v, want %T", err, err, target)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("status %d, want %d", re.HTTPStatusCode(), status)
	}
	return target
}

func TestRegisterClientErrors(t *testing.T) {
	srv := servertest.New(t)
	c := sdk(srv)
	ctx := context.Background()
	reg := func(in ssooidc.RegisterClientInput) error {
		if in.ClientName == nil {
			in.ClientName = aws.String("x")
		}
		if in.ClientType == nil {
			in.ClientType = aws.String("public")
		}
		_, err := c.RegisterClient(ctx, &in)
		return err
	}
	t.Run("confidential", func(t *testing.T) {
		wantErr[*types.InvalidClientMetadataException](t, reg(ssooidc.RegisterClientInput{ClientType: aws.String("confidential")}), 400)
	})
	t.Run("unknown grant", func(t *testing.T) {
		wantErr[*types.UnsupportedGrantTypeException](t, reg(ssooidc.RegisterClientInput{GrantTypes: []string{"password"}}), 400)
	})
	t.Run("http redirect to a remote host", func(t *testing.T) {
		wantErr[*types.InvalidRedirectUriException](t, reg(ssooidc.RegisterClientInput{
			GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"http://example.com/cb"}}), 400)
	})
	t.Run("malformed redirect", func(t *testing.T) {
		wantErr[*types.InvalidRedirectUriException](t, reg(ssooidc.RegisterClientInput{RedirectUris: []string{"::not a uri"}}), 400)
	})
	t.Run("bad scope", func(t *testing.T) {
		wantErr[*types.InvalidScopeException](t, reg(ssooidc.RegisterClientInput{Scopes: []string{"two words"}}), 400)
	})
	t.Run("bad issuer", func(t *testing.T) {
		wantErr[*types.InvalidClientMetadataException](t, reg(ssooidc.RegisterClientInput{IssuerUrl: aws.String("ftp://x")}), 400)
	})
	t.Run("ok", func(t *testing.T) {
		before := time.Now().Unix()
		out, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
			ClientName: aws.String("botocore-client-my-sso"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}, IssuerUrl: aws.String(servertest.StartURL),
			GrantTypes:   []string{"authorization_code", "refresh_token"},
			RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.ClientId) == "" || len(aws.ToString(out.ClientSecret)) < 40 {
			t.Errorf("id %q secret len %d", aws.ToString(out.ClientId), len(aws.ToString(out.ClientSecret)))
		}
		if out.ClientIdIssuedAt < before || out.ClientSecretExpiresAt-out.ClientIdIssuedAt != 90*24*3600 {
			t.Errorf("issued %d expires %d", out.ClientIdIssuedAt, out.ClientSecretExpiresAt)
		}
	})
}

func TestStartDeviceAuthorization(t *testing.T) {
	clk := &clock{}
	srv := servertest.New(t, withClock(clk), servertest.WithConfig(func(c *server.Config) { c.RegistrationLifetime = time.Hour }))
	c := sdk(srv)
	ctx := context.Background()
	r := register(t, c, "sso:account:access")
	startWith := func(id, secret, url string) error {
		_, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: &id, ClientSecret: &secret, StartUrl: &url})
		return err
	}
	t.Run("ok", func(t *testing.T) {
		out := start(t, c, r)
		if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(aws.ToString(out.UserCode)) {
			t.Errorf("user code %q", aws.ToString(out.UserCode))
		}
		if len(aws.ToString(out.DeviceCode)) < 43 {
			t.Errorf("device code too short: %d", len(aws.ToString(out.DeviceCode)))
		}
		if out.ExpiresIn != 600 || out.Interval < 1 {
			t.Errorf("expiresIn %d interval %d", out.ExpiresIn, out.Interval)
		}
		if aws.ToString(out.VerificationUri) != srv.URL+"/device" ||
			aws.ToString(out.VerificationUriComplete) != srv.URL+"/device?user_code="+aws.ToString(out.UserCode) {
			t.Errorf("verification %q %q", aws.ToString(out.VerificationUri), aws.ToString(out.VerificationUriComplete))
		}
	})
	t.Run("trailing slash on the start URL", func(t *testing.T) {
		if err := startWith(r.id, r.secret, servertest.StartURL+"/"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		wantErr[*types.InvalidClientException](t, startWith(r.id, r.secret+"x", servertest.StartURL), 401)
	})
	t.Run("unknown client", func(t *testing.T) {
		wantErr[*types.InvalidClientException](t, startWith("nobody", r.secret, servertest.StartURL), 401)
	})
	t.Run("foreign start URL", func(t *testing.T) {
		wantErr[*types.InvalidRequestException](t, startWith(r.id, r.secret, "https://d-9999999999.awsapps.com/start"), 400)
	})
	t.Run("client not registered for the device grant", func(t *testing.T) {
		out, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("pkce"), ClientType: aws.String("public"),
			GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"http://127.0.0.1/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		wantErr[*types.UnauthorizedClientException](t, startWith(*out.ClientId, *out.ClientSecret, servertest.StartURL), 400)
		_, err = poll(c, registered{*out.ClientId, *out.ClientSecret}, "whatever")
		wantErr[*types.UnauthorizedClientException](t, err, 400)
	})
	t.Run("expired registration", func(t *testing.T) {
		clk.Advance(2 * time.Hour)
		defer clk.Advance(-2 * time.Hour)
		wantErr[*types.InvalidClientException](t, startWith(r.id, r.secret, servertest.StartURL), 401)
	})
}

func TestDeviceCodeGrant(t *testing.T) {
	clk := &clock{}
	srv := servertest.New(t, withClock(clk))
	srv.AddUser(t, "alice", "correct horse battery")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")

	t.Run("pending, the CLI's immediate second poll, then slow down", func(t *testing.T) {
		st := start(t, c, r)
		_, err := poll(c, r, *st.DeviceCode)
		e := wantErr[*types.AuthorizationPendingException](t, err, 400)
		if aws.ToString(e.Error_) != "authorization_pending" || aws.ToString(e.Error_description) == "" {
			t.Errorf("members %q %q", aws.ToString(e.Error_), aws.ToString(e.Error_description))
		}
		_, err = poll(c, r, *st.DeviceCode)
		wantErr[*types.AuthorizationPendingException](t, err, 400)
		_, err = poll(c, r, *st.DeviceCode)
		wantErr[*types.SlowDownException](t, err, 400)
		// After waiting the (now longer: 1+5 s) interval, pending again.
		clk.Advance(6 * time.Second)
		_, err = poll(c, r, *st.DeviceCode)
		wantErr[*types.AuthorizationPendingException](t, err, 400)
	})
	t.Run("approved, then redeemed once", func(t *testing.T) {
		st := start(t, c, r)
		srv.Decide(t, *st.UserCode, "alice", true)
		tok, err := poll(c, r, *st.DeviceCode)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(tok.TokenType) != "Bearer" || tok.ExpiresIn != 3600 || aws.ToString(tok.RefreshToken) == "" || aws.ToString(tok.AccessToken) == "" {
			t.Errorf("token %+v", tok)
		}
		_, err = poll(c, r, *st.DeviceCode)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("denied", func(t *testing.T) {
		st := start(t, c, r)
		srv.Decide(t, strings.ToLower(strings.ReplaceAll(*st.UserCode, "-", "")), "alice", false)
		_, err := poll(c, r, *st.DeviceCode)
		wantErr[*types.AccessDeniedException](t, err, 400)
	})
	t.Run("expired", func(t *testing.T) {
		st := start(t, c, r)
		clk.Advance(601 * time.Second)
		_, err := poll(c, r, *st.DeviceCode)
		wantErr[*types.ExpiredTokenException](t, err, 400)
	})
	t.Run("unknown device code", func(t *testing.T) {
		_, err := poll(c, r, "not-a-device-code")
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("another client's device code", func(t *testing.T) {
		st := start(t, c, r)
		other := register(t, c)
		_, err := poll(c, other, *st.DeviceCode)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("unknown grant type", func(t *testing.T) {
		_, err := c.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: &r.id, ClientSecret: &r.secret, GrantType: aws.String("password")})
		wantErr[*types.UnsupportedGrantTypeException](t, err, 400)
	})
	t.Run("missing device code", func(t *testing.T) {
		_, err := c.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: &r.id, ClientSecret: &r.secret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code")})
		wantErr[*types.InvalidRequestException](t, err, 400)
	})
	t.Run("wrong client secret", func(t *testing.T) {
		bad := registered{r.id, "nope"}
		_, err := poll(c, bad, "x")
		wantErr[*types.InvalidClientException](t, err, 401)
	})
}

func TestRefreshToken(t *testing.T) {
	clk := &clock{}
	srv := servertest.New(t, withClock(clk))
	srv.AddUser(t, "alice", "correct horse battery")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")

	t.Run("rotation", func(t *testing.T) {
		tok := login(t, srv, c, r)
		next, err := refresh(c, r, *tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if *next.RefreshToken == *tok.RefreshToken || *next.AccessToken == *tok.AccessToken || next.ExpiresIn != 3600 {
			t.Errorf("not rotated: %+v", next)
		}
		// The successor works in turn.
		if _, err := refresh(c, r, *next.RefreshToken); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("concurrent retry inside the grace window gets the same successor", func(t *testing.T) {
		tok := login(t, srv, c, r)
		a, err := refresh(c, r, *tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		b, err := refresh(c, r, *tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if *a.RefreshToken != *b.RefreshToken || *a.AccessToken != *b.AccessToken {
			t.Error("grace retry returned different tokens")
		}
	})
	t.Run("reuse after the successor was used revokes the family", func(t *testing.T) {
		tok := login(t, srv, c, r)
		next, err := refresh(c, r, *tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		third, err := refresh(c, r, *next.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		_, err = refresh(c, r, *tok.RefreshToken)
		wantErr[*types.InvalidGrantException](t, err, 400)
		_, err = refresh(c, r, *third.RefreshToken)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("reuse after the grace window revokes the family", func(t *testing.T) {
		tok := login(t, srv, c, r)
		next, err := refresh(c, r, *tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Minute)
		_, err = refresh(c, r, *tok.RefreshToken)
		wantErr[*types.InvalidGrantException](t, err, 400)
		_, err = refresh(c, r, *next.RefreshToken)
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("another client's refresh token", func(t *testing.T) {
		tok := login(t, srv, c, r)
		other := register(t, c, "sso:account:access")
		_, err := refresh(c, other, *tok.RefreshToken)
		wantErr[*types.InvalidGrantException](t, err, 400)
		// and the rightful client can still use it
		if _, err := refresh(c, r, *tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unknown refresh token", func(t *testing.T) {
		_, err := refresh(c, r, "aorNOPE")
		wantErr[*types.InvalidGrantException](t, err, 400)
	})
	t.Run("session lifetime bounds every refresh", func(t *testing.T) {
		tok := login(t, srv, c, r)
		clk.Advance(7*time.Hour + 30*time.Minute)
		next, err := refresh(c, r, *tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if next.ExpiresIn > 30*60+1 {
			t.Errorf("access token outlives the session: %d s", next.ExpiresIn)
		}
		clk.Advance(31 * time.Minute)
		_, err = refresh(c, r, *next.RefreshToken)
		wantErr[*types.ExpiredTokenException](t, err, 400)
	})
	t.Run("a client without scopes gets a session-long token and no refresh token", func(t *testing.T) {
		legacy := register(t, c)
		tok := login(t, srv, c, legacy)
		if tok.RefreshToken != nil {
			t.Errorf("refresh token for a client without scopes")
		}
		if tok.ExpiresIn != 8*3600 {
			t.Errorf("expiresIn %d, want the 8 h session", tok.ExpiresIn)
		}
	})
}
