package ssooidc_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	smithy "github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/awsclient"
)

var tokenInput = &ssooidc.CreateTokenInput{ClientID: "cid", ClientSecret: "csecret", GrantType: "refresh_token", RefreshToken: "rtoken"}

func newTestClient(t testing.TB, endpoint string, optFns ...func(*ssooidc.Options)) *ssooidc.Client {
	t.Helper()
	isolateEnv(t)
	return ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, append([]func(*ssooidc.Options){ssooidc.WithEndpoint(endpoint)}, optFns...)...)
}

// TestRetries checks the standard retry behaviour: server errors and
// throttling are retried with the same invocation id and a counted
// amz-sdk-request header; answers of the device flow never are.
func TestRetries(t *testing.T) {
	pending := cannedResponse{400, map[string]string{"X-Amzn-ErrorType": "AuthorizationPendingException"}, `{"error":"authorization_pending"}`}
	slow := cannedResponse{400, map[string]string{"X-Amzn-ErrorType": "SlowDownException"}, `{"error":"slow_down"}`}
	internal := cannedResponse{500, map[string]string{"X-Amzn-ErrorType": "InternalServerException"}, `{"error":"server_error"}`}
	throttled := cannedResponse{400, map[string]string{"X-Amzn-ErrorType": "ThrottlingException"}, `{"message":"rate exceeded"}`}
	unavailable := cannedResponse{503, nil, `<html>busy</html>`}
	ok := cannedResponse{200, nil, `{"accessToken":"at","expiresIn":60}`}

	// retryAll is a retryer that would retry anything, to show that
	// pending and slow-down are excluded whatever the retryer says.
	retryAll := retry.NewStandard(func(o *retry.StandardOptions) {
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(error) aws.Ternary { return aws.TrueTernary })}
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})

	for _, tc := range []struct {
		name      string
		responses []cannedResponse
		retryer   aws.Retryer
		maxTries  int
		wantCalls int
		wantCode  string // "" = success
		wantMax   bool   // wrapped in retry.MaxAttemptsError
	}{
		{"500-then-ok", []cannedResponse{internal, internal, ok}, fastRetries(), 0, 3, "", false},
		{"503-html-then-ok", []cannedResponse{unavailable, ok}, fastRetries(), 0, 2, "", false},
		{"throttling-then-ok", []cannedResponse{throttled, ok}, fastRetries(), 0, 2, "", false},
		{"500-exhausts-3-attempts", []cannedResponse{internal}, fastRetries(), 0, 3, "InternalServerException", true},
		{"RetryMaxAttempts-5", []cannedResponse{internal}, fastRetries(), 5, 5, "InternalServerException", true},
		{"RetryMaxAttempts-1", []cannedResponse{internal}, fastRetries(), 1, 1, "InternalServerException", true},
		{"pending-not-retried", []cannedResponse{pending, ok}, fastRetries(), 0, 1, "AuthorizationPendingException", false},
		{"slow-down-not-retried", []cannedResponse{slow, ok}, fastRetries(), 0, 1, "SlowDownException", false},
		{"pending-not-retried-by-any-retryer", []cannedResponse{pending, ok}, retryAll, 0, 1, "AuthorizationPendingException", false},
		{"slow-down-not-retried-by-any-retryer", []cannedResponse{slow, ok}, retryAll, 0, 1, "SlowDownException", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, tc.responses...)
			c := newTestClient(t, rec.URL, func(o *ssooidc.Options) { o.Retryer = tc.retryer; o.RetryMaxAttempts = tc.maxTries })
			_, err := c.CreateToken(context.Background(), tokenInput)
			rec.mu.Lock()
			raw := rec.raw
			rec.mu.Unlock()
			if len(raw) != tc.wantCalls {
				t.Fatalf("%d calls, want %d (err %v)", len(raw), tc.wantCalls, err)
			}
			max := 3
			if tc.maxTries > 0 {
				max = tc.maxTries
			}
			for i, r := range raw {
				if got, want := r.Header.Get("Amz-Sdk-Request"), "attempt="+itoa(i+1)+"; max="+itoa(max); got != want {
					t.Errorf("attempt %d: Amz-Sdk-Request %q, want %q", i+1, got, want)
				}
				if r.Header.Get("Amz-Sdk-Invocation-Id") != raw[0].Header.Get("Amz-Sdk-Invocation-Id") {
					t.Errorf("attempt %d: new invocation id", i+1)
				}
			}
			var ae smithy.APIError
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatal(err)
			case tc.wantCode != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode):
				t.Fatalf("err = %v, want %s", err, tc.wantCode)
			}
			var me *retry.MaxAttemptsError
			if errors.As(err, &me) != tc.wantMax {
				t.Errorf("MaxAttemptsError: %v, want %v (%v)", me, tc.wantMax, err)
			}
		})
	}
}

// hangingServer answers after the client gives up, or at once for requests
// past the first n.
func hangingServer(t testing.TB, hangFirst int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice when the client hangs up.
		io.Copy(io.Discard, r.Body)
		if int(calls.Add(1)) <= hangFirst {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"accessToken":"at","expiresIn":60}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	srv, calls := hangingServer(t, 1)
	c := newTestClient(t, srv.URL, ssooidc.WithTimeouts(0, 50*time.Millisecond, 0), func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	out, err := c.CreateToken(context.Background(), tokenInput)
	if err != nil || out.AccessToken != "at" || calls.Load() != 2 {
		t.Fatalf("out %v, err %v, %d calls", out, err, calls.Load())
	}

	srv, _ = hangingServer(t, 100)
	c = newTestClient(t, srv.URL, ssooidc.WithTimeouts(0, 20*time.Millisecond, 0), func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	_, err = c.CreateToken(context.Background(), tokenInput)
	var te *awsclient.AttemptTimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want AttemptTimeoutError", err)
	}
}

func TestOperationTimeout(t *testing.T) {
	srv, _ := hangingServer(t, 100)
	c := newTestClient(t, srv.URL, ssooidc.WithTimeouts(0, 0, 60*time.Millisecond), func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	start := time.Now()
	_, err := c.CreateToken(context.Background(), tokenInput)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	var oe *smithy.OperationError
	if !errors.As(err, &oe) || oe.Operation() != "CreateToken" || oe.Service() != "SSO OIDC" {
		t.Errorf("err = %#v, want an OperationError", err)
	}
}

func TestContextCanceledIsNotRetried(t *testing.T) {
	srv, calls := hangingServer(t, 100)
	c := newTestClient(t, srv.URL, func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	_, err := c.CreateToken(ctx, tokenInput)
	if !errors.Is(err, context.DeadlineExceeded) || calls.Load() != 1 {
		t.Errorf("err = %v after %d calls", err, calls.Load())
	}
}

// TestKeepAlives: with DisableKeepAlives every request asks the server to
// close the connection (botocore's close_connection); by default none does.
func TestKeepAlives(t *testing.T) {
	for _, disable := range []bool{false, true} {
		var closes []bool
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			closes = append(closes, r.Close)
			mu.Unlock()
			w.Write([]byte(`{}`))
		}))
		for _, custom := range []bool{false, true} {
			opts := []func(*ssooidc.Options){func(o *ssooidc.Options) { o.DisableKeepAlives = disable }}
			if custom {
				opts = append(opts, ssooidc.WithHTTPClient(&http.Client{}))
			}
			c := newTestClient(t, srv.URL, opts...)
			for range 2 {
				if _, err := c.CreateToken(context.Background(), tokenInput); err != nil {
					t.Fatal(err)
				}
			}
		}
		srv.Close()
		for i, cl := range closes {
			if cl != disable {
				t.Errorf("DisableKeepAlives=%v: request %d Connection: close = %v", disable, i, cl)
			}
		}
	}
}

// TestCABundle talks to a TLS server whose certificate only the bundle
// trusts: given as Options.CABundle, AWS_CA_BUNDLE, or the profile's
// ca_bundle.
func TestCABundle(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case fails handshakes
	srv.StartTLS()
	defer srv.Close()
	bundle := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	ctx := context.Background()

	t.Run("untrusted", func(t *testing.T) {
		c := newTestClient(t, srv.URL, func(o *ssooidc.Options) { o.Retryer = noRetries() })
		if _, err := c.CreateToken(ctx, tokenInput); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("err = %v, want a certificate error", err)
		}
	})
	t.Run("Options.CABundle", func(t *testing.T) {
		c := newTestClient(t, srv.URL, func(o *ssooidc.Options) { o.CABundle = bundle })
		if _, err := c.CreateToken(ctx, tokenInput); err != nil {
			t.Error(err)
		}
	})
	t.Run("AWS_CA_BUNDLE", func(t *testing.T) {
		dir := isolateEnv(t)
		t.Setenv("AWS_CA_BUNDLE", writeFile(t, dir, "ca.pem", string(bundle)))
		c, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateToken(ctx, tokenInput); err != nil {
			t.Error(err)
		}
	})
	t.Run("profile-ca_bundle-with-custom-http.Client", func(t *testing.T) {
		dir := isolateEnv(t)
		writeFile(t, dir, "config", "[profile tls]\nregion = us-east-1\nca_bundle = "+writeFile(t, dir, "ca.pem", string(bundle))+"\n")
		c, err := ssooidc.New(ctx, ssooidc.WithProfile("tls"), ssooidc.WithEndpoint(srv.URL), ssooidc.WithHTTPClient(&http.Client{}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateToken(ctx, tokenInput); err != nil {
			t.Error(err)
		}
	})
	t.Run("bad-bundle", func(t *testing.T) {
		c := newTestClient(t, srv.URL, func(o *ssooidc.Options) { o.CABundle = []byte("not pem") })
		if _, err := c.CreateToken(ctx, tokenInput); err == nil {
			t.Error("a bundle without certificates was accepted")
		}
	})
}

// TestUserAgentAppID checks the app id in the User-Agent, from the option,
// AWS_SDK_UA_APP_ID and the profile's sdk_ua_app_id.
func TestUserAgentAppID(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, env, config, option, want string
	}{
		{name: "none", want: ""},
		{name: "option", option: "my app/1", want: " app/my-app-1"},
		{name: "env", env: "from-env", want: " app/from-env"},
		{name: "profile", config: "[default]\nsdk_ua_app_id = from-profile\n", want: " app/from-profile"},
		{name: "option-beats-env", env: "from-env", option: "opt", want: " app/opt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			dir := isolateEnv(t)
			if tc.env != "" {
				t.Setenv("AWS_SDK_UA_APP_ID", tc.env)
			}
			writeFile(t, dir, "config", tc.config)
			opts := []func(*ssooidc.Options){ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(rec.URL)}
			if tc.option != "" {
				opts = append(opts, ssooidc.WithAppID(tc.option))
			}
			c, err := ssooidc.New(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateToken(ctx, tokenInput); err != nil {
				t.Fatal(err)
			}
			ua := rec.lastRaw().Header.Get("User-Agent")
			if !strings.HasPrefix(ua, "ssooidc-go/") || !strings.Contains(ua, " api/ssooidc#") || !strings.Contains(ua, " lang/go#") ||
				(tc.want != "" && !strings.HasSuffix(ua, tc.want)) || (tc.want == "" && strings.Contains(ua, " app/")) {
				t.Errorf("User-Agent %q, want suffix %q", ua, tc.want)
			}
		})
	}
}

// TestLogger checks one debug record per attempt and one info record per
// retry, with fixed keys, and that no secret reaches the log.
func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rec := newRecorder(t,
		cannedResponse{500, map[string]string{"X-Amzn-ErrorType": "InternalServerException"}, `{"error":"server_error","error_description":"csecret rtoken"}`},
		cannedResponse{200, nil, `{"accessToken":"ACCESS-SECRET","refreshToken":"REFRESH-SECRET","expiresIn":60}`})
	c := newTestClient(t, rec.URL, ssooidc.WithLogger(logger), func(o *ssooidc.Options) { o.Retryer = fastRetries() })
	if _, err := c.CreateToken(context.Background(), tokenInput); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"msg":"aws request"`, `"operation":"CreateToken"`, `"attempt":1`, `"attempt":2`, `"status":500`,
		`"status":200`, `"request_id":"req-1234"`, `"error_code":"InternalServerException"`, `"msg":"retrying aws request"`, `"service":"SSO OIDC"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{"csecret", "rtoken", "ACCESS-SECRET", "REFRESH-SECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d log records, want 3:\n%s", n, out)
	}
}

// countingProvider counts credential retrievals.
type countingProvider struct{ n atomic.Int32 }

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.n.Add(1)
	return aws.Credentials{AccessKeyID: "AKIDCOUNT", SecretAccessKey: "s"}, nil
}

// TestSigning: only CreateTokenWithIAM is signed and credentials are never
// retrieved for the others; anonymous credentials turn signing off; a
// missing provider is an error at signing time.
func TestSigning(t *testing.T) {
	ctx := context.Background()
	rec := newRecorder(t)
	p := &countingProvider{}
	c := newTestClient(t, rec.URL, ssooidc.WithCredentials(p))
	if _, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: "c", ClientSecret: "s", StartURL: "u"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateToken(ctx, tokenInput); err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.take() {
		if r.Headers["Authorization"] != "" || contains(strings.Join(r.HeaderNames, ","), "Authorization") {
			t.Errorf("%s signed", r.Path)
		}
	}
	if p.n.Load() != 0 {
		t.Errorf("credentials retrieved %d times for unsigned operations", p.n.Load())
	}
	iam := &ssooidc.CreateTokenWithIAMInput{ClientID: "arn", GrantType: ssooidc.GrantTypeJWTBearer, Assertion: "a"}
	if _, err := c.CreateTokenWithIAM(ctx, iam); err != nil {
		t.Fatal(err)
	}
	if a := rec.lastRaw().Header.Get("Authorization"); !strings.Contains(a, "Credential=AKIDCOUNT/") || !strings.Contains(a, "/us-east-1/sso-oauth/aws4_request") {
		t.Errorf("Authorization %q", a)
	}
	// The credentials are cached.
	if _, err := c.CreateTokenWithIAM(ctx, iam); err != nil || p.n.Load() != 1 {
		t.Errorf("err %v, %d retrievals", err, p.n.Load())
	}

	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"), config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	if err != nil {
		t.Fatal(err)
	}
	newAnon, err := ssooidc.New(ctx, ssooidc.WithRegion("us-east-1"), ssooidc.WithEndpoint(rec.URL), ssooidc.WithAnonymousCredentials())
	if err != nil {
		t.Fatal(err)
	}
	for name, anon := range map[string]*ssooidc.Client{
		"option":                 newTestClient(t, rec.URL, ssooidc.WithAnonymousCredentials()),
		"New":                    newAnon,
		"config-cached-provider": ssooidc.NewFromConfig(cfg, ssooidc.WithEndpoint(rec.URL)),
	} {
		if _, err := anon.CreateTokenWithIAM(ctx, iam); err != nil {
			t.Fatal(err)
		}
		if a := rec.lastRaw().Header.Get("Authorization"); a != "" {
			t.Errorf("%s: anonymous client signed: %q", name, a)
		}
	}

	none := newTestClient(t, rec.URL)
	if _, err := none.CreateTokenWithIAM(ctx, iam); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("err = %v, want no credentials", err)
	}
}

// TestProfileCredentials signs with the keys of a named profile, chosen by
// option or AWS_PROFILE, and with the environment's keys.
func TestProfileCredentials(t *testing.T) {
	ctx := context.Background()
	iam := &ssooidc.CreateTokenWithIAMInput{ClientID: "arn", GrantType: ssooidc.GrantTypeRefreshToken, RefreshToken: "r"}
	for _, tc := range []struct {
		name, akid string
		env        map[string]string
		opts       []func(*ssooidc.Options)
	}{
		{name: "option-profile", akid: "AKIDDEV", opts: []func(*ssooidc.Options){ssooidc.WithProfile("dev")}},
		{name: "AWS_PROFILE", akid: "AKIDDEV", env: map[string]string{"AWS_PROFILE": "dev"}},
		{name: "default-profile", akid: "AKIDDEFAULT"},
		{name: "env-keys", akid: "AKIDENV", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"}},
		{name: "static-option", akid: "AKIDSTATIC", env: map[string]string{"AWS_PROFILE": "dev"},
			opts: []func(*ssooidc.Options){ssooidc.WithStaticCredentials("AKIDSTATIC", "s", "")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			dir := isolateEnv(t)
			writeFile(t, dir, "credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = x\n[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = y\n")
			writeFile(t, dir, "config", "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-2\n")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := ssooidc.New(ctx, append(tc.opts, ssooidc.WithEndpoint(rec.URL))...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateTokenWithIAM(ctx, iam); err != nil {
				t.Fatal(err)
			}
			if a := rec.lastRaw().Header.Get("Authorization"); !strings.Contains(a, "Credential="+tc.akid+"/") {
				t.Errorf("Authorization %q, want key %s", a, tc.akid)
			}
		})
	}
	t.Run("missing-profile", func(t *testing.T) {
		isolateEnv(t)
		if _, err := ssooidc.New(ctx, ssooidc.WithProfile("nope")); err == nil {
			t.Error("New with a missing profile succeeded")
		}
	})
}

// TestNewFromConfig takes region, credentials, HTTP client, app id and
// retry attempts from an aws.Config.
func TestNewFromConfig(t *testing.T) {
	isolateEnv(t)
	rec := newRecorder(t, cannedResponse{500, nil, `{}`})
	var used atomic.Int32
	hc := awsclient.HTTPClient(doerFunc(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return http.DefaultClient.Do(r)
	}))
	cfg := aws.Config{Region: "ap-south-1", AppID: "cfg-app", RetryMaxAttempts: 2, HTTPClient: hc,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDCFG", SecretAccessKey: "s"}, nil
		}),
		Retryer: func() aws.Retryer { return fastRetries() },
	}
	c := ssooidc.NewFromConfig(cfg, ssooidc.WithEndpoint(rec.URL))
	_, err := c.CreateTokenWithIAM(context.Background(), &ssooidc.CreateTokenWithIAMInput{ClientID: "a", GrantType: "g"})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Fatalf("err = %v", err)
	}
	r := rec.lastRaw()
	if used.Load() != 2 || !strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDCFG/") ||
		!strings.Contains(r.Header.Get("Authorization"), "/ap-south-1/") || !strings.HasSuffix(r.Header.Get("User-Agent"), " app/cfg-app") {
		t.Errorf("%d calls, headers %v", used.Load(), r.Header)
	}
	if o := c.Options(); o.Region != "ap-south-1" || o.AppID != "cfg-app" {
		t.Errorf("Options() = %+v", o)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestErrorChain checks the shape of an API error: OperationError, then
// ResponseError, then the typed error with its fields and message.
func TestErrorChain(t *testing.T) {
	rec := newRecorder(t, cannedResponse{400, map[string]string{"X-Amzn-ErrorType": "InvalidGrantException:http://internal.amazon.com/coral/x/", "X-Amzn-Requestid": "rid-9"},
		`{"error":"invalid_grant","error_description":"Invalid grant provided"}`})
	c := newTestClient(t, rec.URL)
	_, err := c.CreateToken(context.Background(), tokenInput)
	var oe *smithy.OperationError
	var re *awshttp.ResponseError
	var ig *ssooidc.InvalidGrantException
	if !errors.As(err, &oe) || !errors.As(err, &re) || !errors.As(err, &ig) {
		t.Fatalf("err = %v", err)
	}
	if ig.RequestID != "rid-9" || ig.StatusCode != 400 || ig.OAuthError != "invalid_grant" || ig.ErrorDescription != "Invalid grant provided" ||
		ig.ErrorFault() != smithy.FaultClient || ig.Info() != &ig.ErrorInfo {
		t.Errorf("%+v", ig)
	}
	const want = "operation error SSO OIDC: CreateToken, https response error StatusCode: 400, RequestID: rid-9, InvalidGrantException: invalid_grant: Invalid grant provided"
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
}

// TestValidation rejects missing required members before sending, as
// aws-sdk-go-v2 does.
func TestValidation(t *testing.T) {
	rec := newRecorder(t)
	c := newTestClient(t, rec.URL)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"RegisterClient": func() error { _, err := c.RegisterClient(ctx, nil); return err },
		"StartDeviceAuthorization": func() error {
			_, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientID: "c"})
			return err
		},
		"CreateToken": func() error {
			_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: "c", ClientSecret: "s"})
			return err
		},
		"CreateTokenWithIAM": func() error {
			_, err := c.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{GrantType: "g"})
			return err
		},
	} {
		err := call()
		var ip smithy.InvalidParamsError
		if !errors.As(err, &ip) || !strings.Contains(err.Error(), "missing required field") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if n := len(rec.take()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestConfigurationErrors are returned by every call, not by NewFromConfig.
func TestConfigurationErrors(t *testing.T) {
	isolateEnv(t)
	for name, c := range map[string]*ssooidc.Client{
		"no-region":        ssooidc.NewFromConfig(aws.Config{}),
		"endpoint-scheme":  ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint("127.0.0.1:8080")),
		"fips-and-custom":  ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint("http://h"), func(o *ssooidc.Options) { o.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled }),
		"dualstack-custom": ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint("http://h"), func(o *ssooidc.Options) { o.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled }),
	} {
		_, err := c.CreateToken(context.Background(), tokenInput)
		_, eerr := c.Endpoint()
		if err == nil || eerr == nil {
			t.Errorf("%s: call err %v, Endpoint err %v", name, err, eerr)
		}
	}
}
