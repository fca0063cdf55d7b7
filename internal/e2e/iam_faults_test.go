package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/iamtoken/issuertest"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/wire"
)

// signedIAM is a raw CreateTokenWithIAM request, signed by hand with
// aws-sdk-go-v2's signer so that a test can break exactly one thing.
type signedIAM struct {
	p      sigv4.Principal
	region string
	at     time.Time
	body   string // what is signed
	send   string // what is sent, when it differs (a tampered body)
	unsign bool   // send no Authorization at all
}

func (s signedIAM) do(t *testing.T, url string) (int, http.Header, map[string]any) {
	t.Helper()
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.at.IsZero() {
		s.at = time.Now()
	}
	req, err := http.NewRequest("POST", url+wire.PathCreateTokenWithIAM, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if !s.unsign {
		sum := sha256.Sum256([]byte(s.body))
		creds := aws.Credentials{AccessKeyID: s.p.AccessKeyID, SecretAccessKey: s.p.SecretAccessKey, SessionToken: s.p.SessionToken}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sso-oauth", s.region, s.at); err != nil {
			t.Fatal(err)
		}
	}
	if s.send != "" {
		if len(s.send) != len(s.body) {
			t.Fatal("a tampered body keeps its length, so only the signature can catch it")
		}
		req.Body = io.NopCloser(strings.NewReader(s.send))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("body %q is not a JSON object", raw)
	}
	return resp.StatusCode, resp.Header, body
}

func jsonBody(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// TestIAMFaults: each way a CreateTokenWithIAM request can be wrong gets
// its own error, in the shape AWS uses for it, and never a token.
// Front-end (SigV4) errors are 403 with {"message": ...} only, as AWS's
// front ends answer; the operation's errors are the OIDC shapes of
// WIRE.md 2.5.
func TestIAMFaults(t *testing.T) {
	e := newIAMEnv(t)
	refreshBody := jsonBody(map[string]string{"clientId": iamApp, "grantType": "refresh_token", "refreshToken": "aor-xxxx"})
	assertionBody := func(assertion string) string {
		return jsonBody(map[string]string{"clientId": iamApp, "grantType": wire.GrantJWTBearer, "assertion": assertion})
	}
	untrusted := issuertest.New(t)
	cases := []struct {
		name   string
		req    signedIAM
		status int
		shape  string
		msg    string
		front  bool
	}{
		{"unsigned", signedIAM{p: webApp, body: refreshBody, unsign: true},
			403, "MissingAuthenticationTokenException", "Missing Authentication Token", true},
		{"tampered body", signedIAM{p: webApp, body: refreshBody, send: strings.Replace(refreshBody, "aor-xxxx", "aor-yyyy", 1)},
			403, "InvalidSignatureException", "signature we calculated does not match", true},
		{"wrong secret", signedIAM{p: sigv4.Principal{AccessKeyID: webApp.AccessKeyID, SecretAccessKey: "not-the-secret"}, body: refreshBody},
			403, "InvalidSignatureException", "signature we calculated does not match", true},
		{"stale X-Amz-Date", signedIAM{p: webApp, body: refreshBody, at: time.Now().Add(-6 * time.Minute)},
			403, "InvalidSignatureException", "Signature expired", true},
		{"X-Amz-Date from the future", signedIAM{p: webApp, body: refreshBody, at: time.Now().Add(6 * time.Minute)},
			403, "InvalidSignatureException", "Signature not yet current", true},
		{"unknown access key", signedIAM{p: sigv4.Principal{AccessKeyID: "AKIAUNKNOWNEXAMPLE", SecretAccessKey: "x"}, body: refreshBody},
			403, "UnrecognizedClientException", "security token included in the request is invalid", true},
		{"session token missing", signedIAM{p: sigv4.Principal{AccessKeyID: batchJob.AccessKeyID, SecretAccessKey: batchJob.SecretAccessKey}, body: refreshBody},
			403, "UnrecognizedClientException", "security token", true},
		{"wrong region", signedIAM{p: webApp, body: refreshBody, region: "eu-central-1"},
			400, wire.ErrInvalidRequestRegion, "eu-central-1", false},
		{"principal not allowed", signedIAM{p: outsider, body: assertionBody(e.assertion(t, time.Now().Add(time.Minute)))},
			400, wire.ErrAccessDenied, "arn:aws:iam::210987654321:user/outsider is not authorized", false},
		{"untrusted issuer", signedIAM{p: webApp, body: assertionBody(untrusted.Sign(t, map[string]any{"iss": untrusted.URL,
			"aud": iamAudience, "preferred_username": "alice", "exp": time.Now().Add(time.Minute).Unix()}))},
			400, wire.ErrInvalidGrant, "not issued by a trusted token issuer", false},
		{"expired assertion", signedIAM{p: webApp, body: assertionBody(e.assertion(t, time.Now().Add(-5*time.Minute)))},
			400, wire.ErrInvalidGrant, "the assertion has expired", false},
		{"unknown application", signedIAM{p: webApp, body: strings.Replace(refreshBody, "apl-2222", "apl-9999", 1)},
			401, wire.ErrInvalidClient, "not the ARN of an application", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := tc.req.do(t, e.srv.URL)
			if status != tc.status || h.Get("X-Amzn-ErrorType") != tc.shape {
				t.Fatalf("status %d type %q, want %d %s; body %v", status, h.Get("X-Amzn-ErrorType"), tc.status, tc.shape, body)
			}
			if _, ok := body["accessToken"]; ok {
				t.Fatal("an error response carries a token")
			}
			msg, _ := body["message"].(string)
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not contain %q", msg, tc.msg)
			}
			if tc.front {
				if len(body) != 1 {
					t.Errorf("front-end body %v: want only message", body)
				}
				return
			}
			if body["__type"] != tc.shape || body["error"] != wire.OIDCErrors[tc.shape].OAuth || body["error_description"] != msg {
				t.Errorf("OIDC body %v", body)
			}
			if tc.shape == wire.ErrInvalidRequestRegion && (body["region"] != "us-east-1" || body["endpoint"] != e.srv.URL) {
				t.Errorf("region members %v", body)
			}
		})
	}

	// The same request, signed correctly, passes the front end and reaches
	// the grant (whose refresh token is unknown): the faults above are
	// exactly the faults.
	status, h, _ := signedIAM{p: webApp, body: refreshBody}.do(t, e.srv.URL)
	if status != 400 || h.Get("X-Amzn-ErrorType") != wire.ErrInvalidGrant {
		t.Errorf("control: %d %s", status, h.Get("X-Amzn-ErrorType"))
	}
	// Nothing above stored a token or a code.
	if n := expiringRecords(t, e); n != 0 {
		t.Errorf("%d records (tokens, families, codes) exist after only failed requests", n)
	}
	// The server logged each failure once, with no secret in the log.
	logs := e.srv.Logs()
	for _, secret := range []string{webApp.SecretAccessKey, batchJob.SecretAccessKey, batchJob.SessionToken, "Signature="} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

// expiringRecords counts, by deleting them, the records that expire
// (clients, codes, families and tokens, sessions): the collector is asked
// to delete everything expired a century from now.
func expiringRecords(t *testing.T, e *iamEnv) int64 {
	t.Helper()
	n, err := e.srv.Store.DeleteExpired(context.Background(), time.Now().Add(100*365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIAMNotEnabled: a server without applications answers
// CreateTokenWithIAM as before, and still publishes its keys.
func TestIAMNotEnabled(t *testing.T) {
	srv := servertest.New(t)
	status, h, body := signedIAM{p: webApp, body: `{}`}.do(t, srv.URL)
	if status != 400 || h.Get("X-Amzn-ErrorType") != wire.ErrInvalidRequest || !strings.Contains(body["message"].(string), "not enabled") {
		t.Errorf("%d %s %v", status, h.Get("X-Amzn-ErrorType"), body)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	getJSON(t, srv.URL+"/.well-known/jwks.json", &set)
	if len(set.Keys) != 3 || set.Keys[0]["kty"] != "EC" || set.Keys[0]["crv"] != "P-256" || set.Keys[0]["d"] != nil {
		t.Errorf("jwks %v", set)
	}
}
