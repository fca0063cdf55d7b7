package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// boto3Result is what testdata/iam_boto3.py prints.
type boto3Result struct {
	Issuer            string     `json:"issuer"`
	AuthorizationCode boto3Grant `json:"authorization_code"`
	RefreshToken      boto3Grant `json:"refresh_token"`
	JWTBearer         boto3Grant `json:"jwt_bearer"`
	TokenExchange     boto3Grant `json:"token_exchange"`
	Errors            map[string]map[string]any
}

type boto3Grant struct {
	Response map[string]any `json:"response"`
	ID       *struct {
		Alg             string `json:"alg"`
		Kid             string `json:"kid"`
		Sub             string `json:"sub"`
		IdentityContext string `json:"identity_context"`
	} `json:"id"`
}

// TestIAMBoto3: boto3 (the machine's Python) calls create_token_with_iam
// for every grant, signed with temporary credentials from its environment
// and sent to AWS_ENDPOINT_URL_SSO_OIDC, and gets tokens; joserfc verifies
// every ID token with our JWKS. botocore also maps our errors: the
// front-end InvalidSignatureException, the modeled
// InvalidRequestRegionException with its endpoint and region, and
// InvalidGrantException for an expired assertion.
func TestIAMBoto3(t *testing.T) {
	e := newIAMEnv(t)
	code, verifier, redirectURI := e.code(t)
	in, _ := json.Marshal(map[string]string{
		"app": iamApp, "code": code, "verifier": verifier, "redirect_uri": redirectURI,
		"assertion":         e.assertion(t, time.Now().Add(5*time.Minute)),
		"expired_assertion": e.assertion(t, time.Now().Add(-10*time.Minute)),
		"subject_token":     e.subjectToken(t),
	})
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", filepath.Join("testdata", "iam_boto3.py"))
	// The machine's own AWS settings stay out.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_ENDPOINT_URL_SSO_OIDC="+e.srv.URL, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID="+batchJob.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+batchJob.SecretAccessKey,
		"AWS_SESSION_TOKEN="+batchJob.SessionToken)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, stderr.String())
	}
	var r boto3Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("boto3 output %q: %v", out, err)
	}
	if r.Issuer != e.srv.URL {
		t.Errorf("issuer %q", r.Issuer)
	}
	for name, g := range map[string]boto3Grant{"authorization_code": r.AuthorizationCode, "refresh_token": r.RefreshToken,
		"jwt-bearer": r.JWTBearer, "token-exchange": r.TokenExchange} {
		resp := g.Response
		if tok, _ := resp["accessToken"].(string); !strings.HasPrefix(tok, "aoa") || resp["tokenType"] != "Bearer" || resp["expiresIn"] != float64(3600) {
			t.Errorf("%s: %v", name, resp)
		}
		if g.ID == nil || g.ID.Alg != "ES256" || g.ID.Kid == "" || g.ID.Sub == "" || g.ID.IdentityContext == "" {
			t.Errorf("%s: ID token %+v", name, g.ID)
			continue
		}
		details, _ := resp["awsAdditionalDetails"].(map[string]any)
		if details["identityContext"] != g.ID.IdentityContext {
			t.Errorf("%s: awsAdditionalDetails %v", name, details)
		}
		_, hasRefresh := resp["refreshToken"]
		if hasRefresh != (name != "token-exchange") {
			t.Errorf("%s: refreshToken present: %v", name, hasRefresh)
		}
	}
	if r.RefreshToken.ID != nil && r.AuthorizationCode.ID != nil && r.RefreshToken.ID.Sub != r.AuthorizationCode.ID.Sub {
		t.Error("the refreshed ID token names another user")
	}
	want := map[string]map[string]any{
		"wrong_secret":      {"code": "InvalidSignatureException", "status": float64(403)},
		"wrong_region":      {"code": "InvalidRequestRegionException", "region": "us-east-1", "endpoint": e.srv.URL, "error": "invalid_request"},
		"expired_assertion": {"code": "InvalidGrantException", "description": "the assertion has expired"},
	}
	for k, w := range want {
		got := r.Errors[k]
		for field, v := range w {
			if got[field] != v {
				t.Errorf("%s: %s = %v, want %v (all: %v)", k, field, got[field], v, got)
			}
		}
	}
	if msg, _ := r.Errors["wrong_secret"]["message"].(string); !strings.Contains(msg, "does not match") {
		t.Errorf("wrong secret: botocore's message %q", msg)
	}
}
