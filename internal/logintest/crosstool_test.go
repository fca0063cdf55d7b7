package logintest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	sdkoidc "github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestAWSCLILoginUsedBySsooidc: `aws sso login` of the real AWS CLI v2
// (device flow, approved in Chromium) caches a token that `ssooidc token`
// prints and `ssooidc status` lists; then `ssooidc token` refreshes it at
// our server inside the refresh window, in a file the CLI still reads.
func TestAWSCLILoginUsedBySsooidc(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(awsCLIv2); err != nil {
		t.Fatalf("the AWS CLI v2 is required at %s (apt-get install awscli): %v", awsCLIv2, err)
	}
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cli := start(t, ctx, append(h.env, "BROWSER=true"), awsCLIv2, "sso", "login", "--profile", "dev", "--no-browser")
	url := cli.await(t, ctx, deviceURL)
	b := browsertest.New(t)
	if _, err := b.ApproveDevice(ctx, url, "alice", password); err != nil {
		t.Fatalf("approving in the browser: %v", err)
	}
	cli.wait(t)
	cached := h.readToken(t)

	tok := strings.TrimSpace(h.run(t, "token", "--sso-session", "my-sso"))
	if tok != cached["accessToken"] {
		t.Errorf("ssooidc token printed %q, the CLI cached %q", tok, cached["accessToken"])
	}
	if tok2 := strings.TrimSpace(h.run(t, "token", "--profile", "dev")); tok2 != tok {
		t.Errorf("--profile dev: %q", tok2)
	}
	var status []map[string]any
	if err := json.Unmarshal([]byte(h.run(t, "status", "--json")), &status); err != nil {
		t.Fatal(err)
	}
	if len(status) != 1 || status[0]["session"] != "sso-session my-sso" || status[0]["startUrl"] != servertest.StartURL ||
		status[0]["valid"] != true || status[0]["refreshable"] != true || status[0]["secondsLeft"].(float64) < 3000 {
		t.Errorf("status --json: %v", status)
	}
	text := h.run(t, "status")
	if !strings.Contains(text, "sso-session my-sso (profile dev)") || !strings.Contains(text, "left)") || !strings.Contains(text, "  yes\n") {
		t.Errorf("status:\n%s", text)
	}

	// ssooidc refreshes the CLI's token; the CLI's own reader (botocore in
	// the CLI) still accepts the file.
	h.setExpiry(t, time.Now().Add(5*time.Minute))
	mark := len(srv.Logs())
	fresh := strings.TrimSpace(h.run(t, "token", "--sso-session", "my-sso"))
	if fresh == tok || ops(srv, mark, "CreateToken") != 1 {
		t.Errorf("not refreshed at the server: %q", fresh)
	}
	py := exec.CommandContext(ctx, "python3", "-c", `
import botocore.session
from botocore.utils import SSOTokenLoader
from botocore.credentials import JSONFileCache
import os
t = SSOTokenLoader(cache=JSONFileCache(os.path.expanduser("~/.aws/sso/cache")))("ignored", session_name="my-sso")
print(t["accessToken"])
`)
	py.Env = h.env
	out, err := py.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != fresh {
		t.Errorf("botocore's SSOTokenLoader: %v %s", err, out)
	}
}

// TestSsooidcLoginUsedByBotocoreAndGoSDK: `ssooidc login --use-device-code
// --no-browser` from the built binary, approved in Chromium, caches a
// token that botocore's SSO token provider refreshes at our server inside
// its window, and that aws-sdk-go-v2's ssocreds refreshes once expired.
func TestSsooidcLoginUsedByBotocoreAndGoSDK(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	login := start(t, ctx, h.env, binary, "login", "--profile", "dev", "--use-device-code", "--no-browser")
	url := login.await(t, ctx, deviceURL)
	code := login.await(t, ctx, codeLine)
	b := browsertest.New(t)
	page, err := b.ApproveDevice(ctx, url, "alice", password)
	if err != nil {
		t.Fatalf("approving in the browser: %v", err)
	}
	login.wait(t)
	if !strings.HasSuffix(url, code) || !strings.Contains(login.output(), "Signed in to sso-session \"my-sso\"") {
		t.Errorf("login output:\n%s\nfinal page: %s", login.output(), page)
	}
	ours := h.readToken(t)

	// botocore: 5 minutes left is inside its window; it refreshes at
	// AWS_ENDPOINT_URL_SSO_OIDC and rewrites our file.
	h.setExpiry(t, time.Now().Add(5*time.Minute))
	mark := len(srv.Logs())
	py := exec.CommandContext(ctx, "python3", "-c", `
import botocore.session
from botocore.tokens import SSOTokenProvider
s = botocore.session.Session(profile="dev")
print(SSOTokenProvider(s).load_token().get_frozen_token().token)
`)
	py.Env = h.env
	out, err := py.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	byBotocore := lines[len(lines)-1]
	if byBotocore == ours["accessToken"] || ops(srv, mark, "CreateToken") != 1 {
		t.Errorf("botocore did not refresh our token: %s", out)
	}
	if f := h.readToken(t); f["accessToken"] != byBotocore || f["refreshToken"] == ours["refreshToken"] {
		t.Errorf("botocore's refresh was not written: %v", f)
	}

	// aws-sdk-go-v2: it refreshes only after expiry.
	h.setExpiry(t, time.Now().Add(-time.Minute))
	mark = len(srv.Logs())
	oidc := sdkoidc.New(sdkoidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	bt, err := ssocreds.NewSSOTokenProvider(oidc, h.tokenPath()).RetrieveBearerToken(ctx)
	if err != nil {
		t.Fatalf("aws-sdk-go-v2 ssocreds: %v", err)
	}
	if bt.Value == byBotocore || time.Until(bt.Expires) < 50*time.Minute || ops(srv, mark, "CreateToken") != 1 {
		t.Errorf("ssocreds did not refresh: %+v", bt)
	}
	// And ssooidc reads what aws-sdk-go-v2 wrote (sorted keys, RFC 3339).
	if tok := strings.TrimSpace(h.run(t, "token", "--profile", "dev")); tok != bt.Value {
		t.Errorf("ssooidc token after the Go SDK's refresh: %q", tok)
	}
}
