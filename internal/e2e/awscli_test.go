package e2e

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/ssooidctest"
)

// awsCLIv2 is Debian's AWS CLI v2 (2.9.19). The machine's Python also has
// a v1 "aws" earlier on PATH, so the path is explicit.
const awsCLIv2 = "/usr/bin/aws"

// cliHome writes an AWS config with an sso-session profile and an
// AWS_DATA_PATH directory whose SSO OIDC endpoint rule set sends every
// request to url (CLI 2.9 predates AWS_ENDPOINT_URL_SSO_OIDC).
func cliHome(t *testing.T, url string) (home string, env []string) {
	t.Helper()
	home = t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := `[sso-session my-sso]
sso_start_url = ` + servertest.StartURL + `
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = my-sso
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1
`
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(home, "aws-data")
	dir := filepath.Join(data, "sso-oidc", "2019-06-10")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "endpoint-rule-set-1.json"), []byte(ssooidctest.EndpointRuleSet(url)), 0o600); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"), "AWS_DATA_PATH="+data,
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "BROWSER=true")
	return home, env
}

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestAWSCLIv2DeviceLogin runs the real AWS CLI v2 "aws sso login
// --no-browser" against the server, approves the printed code in a real
// Chromium on our pages, and checks that the token the CLI cached works at
// the server: aws-sdk-go-v2's SSO token provider and botocore's both
// refresh it against us.
func TestAWSCLIv2DeviceLogin(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	home, env := cliHome(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	url, wait := cliLogin(ctx, t, env)
	if !strings.HasPrefix(url, srv.URL+"/device?user_code=") {
		t.Fatalf("verification URL %q is not ours", url)
	}

	b := browsertest.New(t)
	text, err := b.ApproveDevice(ctx, url, "alice", "correct horse battery")
	if err != nil {
		t.Fatalf("approving in the browser: %v", err)
	}
	if !strings.Contains(text, "signed in") {
		t.Errorf("final page says %q", text)
	}
	output, err := wait()
	if err != nil {
		t.Fatalf("aws sso login: %v\n%s", err, output)
	}
	if !strings.Contains(output, "Successfully logged into Start URL") {
		t.Errorf("CLI output:\n%s", output)
	}

	// The CLI's cache: sha1 of the session name (WIRE.md 6.1).
	cachePath := filepath.Join(home, ".aws", "sso", "cache", sha1hex("my-sso")+".json")
	var cached map[string]any
	raw, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatalf("CLI token cache: %v", err)
	}
	if err := json.Unmarshal(raw, &cached); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"accessToken", "expiresAt", "refreshToken", "clientId", "clientSecret", "registrationExpiresAt", "startUrl", "region"} {
		if s, _ := cached[k].(string); s == "" {
			t.Errorf("cache has no %s: %v", k, keys(cached))
		}
	}

	// aws-sdk-go-v2: an expired cached token is refreshed at our server and
	// the file rewritten with the rotated refresh token.
	cached["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	writeJSON(t, cachePath, cached)
	p := ssocreds.NewSSOTokenProvider(sdk(srv), cachePath)
	bt, err := p.RetrieveBearerToken(ctx)
	if err != nil {
		t.Fatalf("aws-sdk-go-v2 ssocreds refresh: %v", err)
	}
	if bt.Value == cached["accessToken"] || time.Until(bt.Expires) < 50*time.Minute {
		t.Errorf("not refreshed: expires %v", bt.Expires)
	}
	var after map[string]any
	raw, _ = os.ReadFile(cachePath)
	_ = json.Unmarshal(raw, &after)
	if after["refreshToken"] == cached["refreshToken"] || after["refreshToken"] == nil {
		t.Error("the refresh token was not rotated in the cache file")
	}

	// botocore (the machine's Python): its SSO token provider refreshes a
	// token inside its 15-minute window at AWS_ENDPOINT_URL_SSO_OIDC.
	after["expiresAt"] = time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
	writeJSON(t, cachePath, after)
	py := exec.CommandContext(ctx, "python3", "-c", `
import botocore.session, json
from botocore.tokens import SSOTokenProvider
s = botocore.session.Session(profile="dev")
tok = SSOTokenProvider(s).load_token().get_frozen_token()
print(json.dumps({"token": tok.token, "expiration": tok.expiration.isoformat()}))
`)
	py.Env = append(env, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.URL)
	out, err := py.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore refresh: %v\n%s", err, out)
	}
	var res map[string]string
	if err := json.Unmarshal(out[strings.LastIndex(string(out[:len(out)-1]), "\n")+1:], &res); err != nil {
		t.Fatalf("botocore output %q: %v", out, err)
	}
	if res["token"] == after["accessToken"] || res["token"] == "" {
		t.Errorf("botocore did not refresh: %s", out)
	}
	var final map[string]any
	raw, _ = os.ReadFile(cachePath)
	_ = json.Unmarshal(raw, &final)
	if final["accessToken"] != res["token"] {
		t.Error("botocore did not write the refreshed token to the CLI cache")
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
