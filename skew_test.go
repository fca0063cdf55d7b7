package ssooidc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/awsclient"
)

// skewServer answers CreateTokenWithIAM as IAM Identity Center's SigV4
// front end does: a request signed more than 5 minutes away from the
// server's clock gets 403 InvalidSignatureException "Signature expired";
// others get 200. Every response carries the server's Date. It records the
// X-Amz-Date of each request.
type skewServer struct {
	*httptest.Server
	now func() time.Time

	mu    sync.Mutex
	dates []time.Time
}

func newSkewServer(t *testing.T, now func() time.Time, refuseAlways bool) *skewServer {
	s := &skewServer{now: now}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		s.mu.Lock()
		s.dates = append(s.dates, signed)
		s.mu.Unlock()
		server := s.now()
		w.Header().Set("Date", server.UTC().Format(http.TimeFormat))
		w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("req-%d", len(s.dates)))
		w.Header().Set("Content-Type", "application/json")
		if err != nil || refuseAlways || signed.Sub(server) > 5*time.Minute || server.Sub(signed) > 5*time.Minute {
			w.Header().Set("X-Amzn-Errortype", "InvalidSignatureException")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"message":"Signature expired: %s is now earlier than %s"}`, r.Header.Get("X-Amz-Date"), server.UTC().Format("20060102T150405Z"))
			return
		}
		io.WriteString(w, `{"accessToken":"at","tokenType":"Bearer","expiresIn":3600}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *skewServer) signedAt() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]time.Time(nil), s.dates...)
	s.dates = nil
	return out
}

// TestClockSkewCorrection: against a server whose clock is 20 minutes
// ahead, a signed call is refused once, learns the skew from the Date
// header and succeeds on the retry signed with the server's time, as
// aws-sdk-go-v2 does; the next call of the same client is signed right
// the first time; with the correction turned off (per call, or for the
// client) the call fails after one attempt.
func TestClockSkewCorrection(t *testing.T) {
	isolateEnv(t)
	const ahead = 20 * time.Minute
	srv := newSkewServer(t, func() time.Time { return time.Now().Add(ahead) }, false)
	ctx := context.Background()
	in := &ssooidc.CreateTokenWithIAMInput{ClientID: "arn:aws:sso::123456789012:application/ssoins-1/apl-2",
		GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: "rt"}
	c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(srv.URL),
		ssooidc.WithStaticCredentials("AKIDEXAMPLE", "secret", ""), func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	if err != nil {
		t.Fatal(err)
	}

	out, err := c.CreateTokenWithIAM(ctx, in)
	if err != nil {
		t.Fatalf("with a server 20 minutes ahead: %v", err)
	}
	md := out.ResultMetadata
	if md.Attempts != 2 || md.StatusCode != 200 || md.RequestID != "req-2" || out.RequestID != "req-2" ||
		md.Header.Get("Content-Type") != "application/json" || md.ServerTime.IsZero() {
		t.Errorf("metadata %+v", md)
	}
	if d := md.ClockSkew - ahead; d < -2*time.Second || d > 2*time.Second {
		t.Errorf("observed skew %v, want about %v", md.ClockSkew, ahead)
	}
	dates := srv.signedAt()
	if len(dates) != 2 || dates[1].Sub(dates[0]) < ahead-2*time.Second {
		t.Errorf("signing times %v: the retry was not signed with the server's time", dates)
	}

	// The client keeps the skew: one attempt.
	out, err = c.CreateTokenWithIAM(ctx, in)
	if err != nil || out.ResultMetadata.Attempts != 1 {
		t.Errorf("second call: %v, %+v", err, out)
	}
	srv.signedAt()

	// Per-call options: turning the correction off for one call fails it
	// after a single attempt, and leaves the client's correction alone.
	_, err = c.CreateTokenWithIAM(ctx, in, ssooidc.WithClockSkewCorrection(false))
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" || len(srv.signedAt()) != 1 {
		t.Errorf("without correction: %v", err)
	}
	if out, err := c.CreateTokenWithIAM(ctx, in); err != nil || out.ResultMetadata.Attempts != 1 {
		t.Errorf("after a per-call option: %v", err)
	}

	// A client without correction: the error says what happened.
	off, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(srv.URL),
		ssooidc.WithStaticCredentials("AKIDEXAMPLE", "secret", ""), ssooidc.WithClockSkewCorrection(false))
	srv.signedAt()
	if _, err := off.CreateTokenWithIAM(ctx, in); !errors.As(err, &api) || len(srv.signedAt()) != 1 {
		t.Errorf("client without correction: %v", err)
	}

	// A server that refuses even the corrected signature: the retry is
	// not repeated, and the error names the probable cause.
	refuse := newSkewServer(t, func() time.Time { return time.Now().Add(ahead) }, true)
	c2, _ := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(refuse.URL),
		ssooidc.WithStaticCredentials("AKIDEXAMPLE", "secret", ""), func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	_, err = c2.CreateTokenWithIAM(ctx, in)
	var skewErr *awsclient.ClockSkewError
	if n := len(refuse.signedAt()); n != 2 || errors.As(err, &skewErr) || !errors.As(err, &api) {
		t.Errorf("%d attempts, error %v", n, err)
	}
}

// TestClockSkewErrorAfterRetries: when the skew retry is the last attempt
// allowed, the error is a ClockSkewError that says by how much the clocks
// differ.
func TestClockSkewErrorAfterRetries(t *testing.T) {
	isolateEnv(t)
	srv := newSkewServer(t, func() time.Time { return time.Now().Add(-30 * time.Minute) }, false)
	c, _ := ssooidc.New(context.Background(), ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(srv.URL),
		ssooidc.WithStaticCredentials("AKIDEXAMPLE", "secret", ""), ssooidc.WithRetryMaxAttempts(1))
	_, err := c.CreateTokenWithIAM(context.Background(), &ssooidc.CreateTokenWithIAMInput{ClientID: "app", GrantType: "refresh_token", RefreshToken: "rt"})
	var skewErr *awsclient.ClockSkewError
	if !errors.As(err, &skewErr) || skewErr.Skew > -29*time.Minute || !contains(err.Error(), "30m") || !contains(err.Error(), "behind this machine") {
		t.Errorf("error %v", err)
	}
}

// TestPerCallOptions: every operation takes optFns that apply to that call
// only: here the endpoint and the app id of the User-Agent.
func TestPerCallOptions(t *testing.T) {
	isolateEnv(t)
	ctx := context.Background()
	a := newRecorder(t, cannedResponse{Status: 200, Body: `{"clientId":"c","clientSecret":"s","deviceCode":"d","userCode":"U","accessToken":"at"}`})
	b := newRecorder(t, cannedResponse{Status: 200, Body: `{"clientId":"c","clientSecret":"s","deviceCode":"d","userCode":"U","accessToken":"at"}`})
	c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(a.URL))
	if err != nil {
		t.Fatal(err)
	}
	toB := func(o *ssooidc.Options) { o.BaseEndpoint = b.URL; o.AppID = "per-call" }
	if _, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "x"}, toB); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: "c", ClientSecret: "s", StartURL: "u"}, toB); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: "c", ClientSecret: "s", GrantType: "refresh_token", RefreshToken: "r"}, toB); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientID: "c", GrantType: "refresh_token"}, toB, ssooidc.WithAnonymousCredentials()); err != nil {
		t.Fatal(err)
	}
	if n := len(b.take()); n != 4 || !contains(b.URL, "127.0.0.1") {
		t.Errorf("%d calls reached the per-call endpoint", n)
	}
	if n := len(a.take()); n != 0 {
		t.Errorf("%d calls reached the client's endpoint", n)
	}
	out, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "x"})
	if err != nil || out.ResultMetadata.RequestID != "req-1234" || len(a.take()) != 1 {
		t.Errorf("without options the client's endpoint: %v", err)
	}
	if got := c.Options().AppID; got != "" {
		t.Errorf("a per-call option changed the client: app id %q", got)
	}
}

// TestEndpointSource: a client says where its endpoint came from, for the
// login tool's messages.
func TestEndpointSource(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		env          map[string]string
		opts         []func(*ssooidc.Options)
		want         string
		configured   bool
	}{
		{name: "rules", config: "[default]\nregion = eu-west-1\n", want: "the endpoint rules for region eu-west-1"},
		{name: "service env", env: map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9001"}, config: "[default]\nregion = us-east-1\n",
			want: "AWS_ENDPOINT_URL_SSO_OIDC", configured: true},
		{name: "global env", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9001"}, config: "[default]\nregion = us-east-1\n",
			want: "AWS_ENDPOINT_URL", configured: true},
		{name: "endpoint_url", config: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004\n", want: "endpoint_url of profile default", configured: true},
		{name: "services section", config: "[default]\nregion = us-east-1\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9005\n",
			want: "the [services local] section (sso_oidc) of profile default", configured: true},
		{name: "option", config: "[default]\nregion = us-east-1\n", opts: []func(*ssooidc.Options){ssooidc.WithEndpoint("http://127.0.0.1:9")},
			want: awsclient.EndpointFromOptions, configured: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := isolateEnv(t)
			writeFile(t, dir, "config", tc.config)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := ssooidc.New(context.Background(), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if c.EndpointSource() != tc.want || c.EndpointConfigured() != tc.configured {
				t.Errorf("source %q configured %v, want %q %v", c.EndpointSource(), c.EndpointConfigured(), tc.want, tc.configured)
			}
		})
	}
}
