package ssooidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc"
)

// fakeOIDC is a small SSO OIDC server for the device flow: it registers
// clients, starts authorizations, and answers token polls from a script
// of error codes ("" = issue the token). It answers errors as real AWS
// does: type in the header only, with the coral suffix.
type fakeOIDC struct {
	t         testing.TB
	expiresIn int
	interval  int
	script    []string // answers to successive device_code polls

	mu    sync.Mutex
	polls int
	seen  []string // grant types polled
}

func (f *fakeOIDC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		f.t.Errorf("%s: unsigned operation carried Authorization", r.URL.Path)
	}
	var body map[string]any
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		f.t.Errorf("%s: body %q: %v", r.URL.Path, b, err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", "rid")
	switch r.URL.Path {
	case "/client/register":
		json.NewEncoder(w).Encode(map[string]any{"clientId": "cid", "clientSecret": "csecret",
			"clientIdIssuedAt": 1700000000, "clientSecretExpiresAt": 1707776000})
	case "/device_authorization":
		if body["clientId"] != "cid" || body["clientSecret"] != "csecret" {
			f.t.Errorf("device_authorization body %v", body)
		}
		json.NewEncoder(w).Encode(map[string]any{"deviceCode": "dcode", "userCode": "BRCJ-PDVT",
			"verificationUri": "https://device.example/", "verificationUriComplete": "https://device.example/?user_code=BRCJ-PDVT",
			"expiresIn": f.expiresIn, "interval": f.interval})
	case "/token":
		f.mu.Lock()
		f.seen = append(f.seen, body["grantType"].(string))
		answer := ""
		if f.polls < len(f.script) {
			answer = f.script[f.polls]
		}
		f.polls++
		f.mu.Unlock()
		if body["deviceCode"] != "dcode" || body["clientSecret"] != "csecret" {
			f.t.Errorf("token body %v", body)
		}
		if answer == "" {
			json.NewEncoder(w).Encode(map[string]any{"accessToken": "atoken", "tokenType": "Bearer", "expiresIn": 28800, "refreshToken": "rtoken"})
			return
		}
		status := 400
		if answer == "InternalServerException" {
			status = 500
		}
		w.Header().Set("X-Amzn-ErrorType", answer+":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":"x","error_description":"scripted"}`)
	default:
		http.NotFound(w, r)
	}
}

// fakeClock is a clock that Sleep advances.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func secs(s ...int) []time.Duration {
	var out []time.Duration
	for _, x := range s {
		out = append(out, time.Duration(x)*time.Second)
	}
	return out
}

// TestDeviceLoginEndToEnd runs the whole device login against an HTTP
// server: RegisterClient, StartDeviceAuthorization, then PollDeviceToken
// through pending and slow-down answers, with a fake clock.
func TestDeviceLoginEndToEnd(t *testing.T) {
	tests := []struct {
		name       string
		expiresIn  int
		interval   int
		script     []string
		wantSleeps []time.Duration
		wantPolls  int
		wantErr    error  // errors.Is
		wantType   string // error code via ServiceError
	}{
		{name: "pending-then-approved", expiresIn: 600, interval: 1,
			script:     []string{"AuthorizationPendingException", "AuthorizationPendingException"},
			wantSleeps: secs(1, 1, 1), wantPolls: 3},
		{name: "slow-down-adds-5s-each-time", expiresIn: 600, interval: 2,
			script:     []string{"AuthorizationPendingException", "SlowDownException", "AuthorizationPendingException", "SlowDownException"},
			wantSleeps: secs(2, 2, 7, 7, 12), wantPolls: 5},
		{name: "no-interval-means-5s", expiresIn: 600, interval: 0,
			script: []string{"AuthorizationPendingException"}, wantSleeps: secs(5, 5), wantPolls: 2},
		{name: "client-side-expiry", expiresIn: 10, interval: 3,
			script:     []string{"AuthorizationPendingException", "AuthorizationPendingException", "AuthorizationPendingException", "AuthorizationPendingException"},
			wantSleeps: secs(3, 3, 3), wantPolls: 3, wantErr: ssooidc.ErrDeviceCodeExpired},
		{name: "slow-down-past-expiry", expiresIn: 10, interval: 4,
			script:     []string{"SlowDownException"},
			wantSleeps: secs(4), wantPolls: 1, wantErr: ssooidc.ErrDeviceCodeExpired},
		{name: "server-expiry", expiresIn: 600, interval: 1,
			script:     []string{"AuthorizationPendingException", "ExpiredTokenException"},
			wantSleeps: secs(1, 1), wantPolls: 2, wantType: "ExpiredTokenException"},
		{name: "denied-stops-at-once", expiresIn: 600, interval: 1,
			script:     []string{"AccessDeniedException"},
			wantSleeps: secs(1), wantPolls: 1, wantType: "AccessDeniedException"},
		{name: "server-error-retried-inside-CreateToken", expiresIn: 600, interval: 1,
			script:     []string{"InternalServerException", "AuthorizationPendingException"},
			wantSleeps: secs(1, 1), wantPolls: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			ctx := context.Background()
			srv := &fakeOIDC{t: t, expiresIn: tc.expiresIn, interval: tc.interval, script: tc.script}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(ts.URL),
				func(o *ssooidc.Options) { o.Now = clock.Now; o.Retryer = fastRetries() })

			reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "test", Scopes: []string{"sso:account:access"}})
			if err != nil {
				t.Fatal(err)
			}
			auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
				ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://d-1234567890.awsapps.com/start"})
			if err != nil {
				t.Fatal(err)
			}
			if want := clock.Now().Add(time.Duration(tc.expiresIn) * time.Second); !auth.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", auth.Expiry, want)
			}
			tok, err := c.PollDeviceToken(ctx, &ssooidc.PollDeviceTokenInput{
				ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, Authorization: auth,
				Now: clock.Now, Sleep: clock.Sleep})

			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
			case tc.wantType != "":
				var se ssooidc.ServiceError
				if !errors.As(err, &se) || se.ErrorCode() != tc.wantType {
					t.Errorf("err = %v, want %s", err, tc.wantType)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if tok.AccessToken != "atoken" || tok.RefreshToken != "rtoken" || tok.ExpiresIn != 28800 {
					t.Errorf("token %+v", tok)
				}
			}
			if !equalDurations(clock.sleeps, tc.wantSleeps) {
				t.Errorf("sleeps %v, want %v", clock.sleeps, tc.wantSleeps)
			}
			if srv.polls != tc.wantPolls {
				t.Errorf("%d polls, want %d", srv.polls, tc.wantPolls)
			}
			for _, g := range srv.seen {
				if g != ssooidc.GrantTypeDeviceCode {
					t.Errorf("grant type %q", g)
				}
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPollDeviceTokenContext ends the loop with the context, with the real
// sleep.
func TestPollDeviceTokenContext(t *testing.T) {
	isolateEnv(t)
	srv := &fakeOIDC{t: t, expiresIn: 600, interval: 1, script: []string{"AuthorizationPendingException"}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint(ts.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.PollDeviceToken(ctx, &ssooidc.PollDeviceTokenInput{ClientID: "cid", ClientSecret: "csecret",
		Authorization: &ssooidc.StartDeviceAuthorizationOutput{DeviceCode: "dcode", ExpiresIn: 600, Interval: 1}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

// TestPollDeviceTokenValidation rejects incomplete input before any
// request.
func TestPollDeviceTokenValidation(t *testing.T) {
	c := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1"}, ssooidc.WithEndpoint("http://127.0.0.1:1"))
	_, err := c.PollDeviceToken(context.Background(), &ssooidc.PollDeviceTokenInput{ClientID: "c"})
	if err == nil || !contains(err.Error(), "ClientSecret") || !contains(err.Error(), "Authorization") {
		t.Errorf("err = %v", err)
	}
}
