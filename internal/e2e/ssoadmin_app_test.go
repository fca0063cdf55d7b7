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

	"github.com/ssooidc/ssooidc/internal/iamtoken/issuertest"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
)

// pythonEnv is the machine's environment without its AWS settings, with
// a home of its own and the given variables.
func pythonEnv(t *testing.T, vars ...string) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials")), vars...)
}

// TestSSOAdminApplicationBoto3: boto3 makes an application through the
// SSO Admin API (a trusted token issuer, the jwt-bearer and refresh_token
// grants, an access scope, an actor policy naming the caller), and boto3's
// create_token_with_iam gets tokens for it at once; deleted, it is
// refused at once.
func TestSSOAdminApplicationBoto3(t *testing.T) {
	iss := issuertest.New(t)
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.IAM.Principals = []sigv4.Principal{ssoAdmin} }))
	srv.AddUser(t, "alice", "correct horse battery")
	in, _ := json.Marshal(map[string]string{"issuer_url": iss.URL, "caller_arn": ssoAdmin.ARN,
		"assertion": iss.Sign(t, map[string]any{"iss": iss.URL, "aud": "reports", "preferred_username": "alice",
			"exp": time.Now().Add(5 * time.Minute).Unix()})})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", filepath.Join("testdata", "ssoadmin_app_boto3.py"))
	cmd.Env = pythonEnv(t, "AWS_ENDPOINT_URL_SSO_ADMIN="+srv.URL, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.URL, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID="+ssoAdmin.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+ssoAdmin.SecretAccessKey)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, stderr.String())
	}
	var r struct {
		App             string         `json:"app"`
		Policy          map[string]any `json:"policy"`
		Grants          []string       `json:"grants"`
		JWTBearer       map[string]any `json:"jwt_bearer"`
		Refresh         map[string]any `json:"refresh"`
		AfterDelete     string         `json:"after_delete"`
		DescribeDeleted string         `json:"describe_deleted"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("boto3 output %q: %v", out, err)
	}
	if !strings.HasPrefix(r.App, "arn:aws:sso::"+ssoAdmin.Account+":application/"+srv.Srv.Instance().ID+"/apl-") {
		t.Errorf("application %s", r.App)
	}
	if stmts, _ := r.Policy["Statement"].([]any); len(stmts) != 1 {
		t.Errorf("actor policy %v", r.Policy)
	}
	if strings.Join(r.Grants, " ") != "refresh_token urn:ietf:params:oauth:grant-type:jwt-bearer" {
		t.Errorf("grants %v", r.Grants)
	}
	for name, resp := range map[string]map[string]any{"jwt-bearer": r.JWTBearer, "refresh": r.Refresh} {
		if tok, _ := resp["accessToken"].(string); !strings.HasPrefix(tok, "aoa") || resp["refreshToken"] == nil {
			t.Errorf("%s: %v", name, resp)
		}
	}
	if scopes, _ := r.JWTBearer["scope"].([]any); len(scopes) != 2 || scopes[1] != "reports:read" {
		t.Errorf("scopes %v", r.JWTBearer["scope"])
	}
	if _, ok := r.JWTBearer["idToken"].(string); !ok {
		t.Error("no ID token for the openid scope")
	}
	if r.AfterDelete != "InvalidClientException" || r.DescribeDeleted != "ResourceNotFoundException" {
		t.Errorf("after deletion: %q, %q", r.AfterDelete, r.DescribeDeleted)
	}
}
