package logintest

import (
	"context"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCredentialServer: `ssooidc credential-server` prints the two
// variables; botocore and the AWS CLI v2 take the role's credentials from
// it with them; a request without the token, or with another, gets 403.
func TestCredentialServer(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.loginWithAPI(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := start(t, ctx, h.env, binary, "credential-server", "--profile", "dev")
	uri := cs.await(t, ctx, regexp.MustCompile(`export AWS_CONTAINER_CREDENTIALS_FULL_URI=(http://127\.0\.0\.1:\d+/)\n`))
	token := cs.await(t, ctx, regexp.MustCompile(`export AWS_CONTAINER_AUTHORIZATION_TOKEN=(\S+)\n`))
	env := append(without(h.env, "AWS_PROFILE"), "AWS_CONTAINER_CREDENTIALS_FULL_URI="+uri, "AWS_CONTAINER_AUTHORIZATION_TOKEN="+token)

	py := exec.CommandContext(ctx, "python3", "-c", `
import botocore.session
s = botocore.session.Session()
c = s.get_credentials()
f = c.get_frozen_credentials()
print(c.method, f.access_key, f.secret_key, f.token)
`)
	py.Env = env
	out, err := py.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "container-role AKIASTATICEXAMPLE static-secret static-session" {
		t.Errorf("botocore: %v\n%s", err, out)
	}
	cli := exec.CommandContext(ctx, awsCLIv2, "configure", "export-credentials", "--format", "env")
	cli.Env = env
	out, err = cli.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "export AWS_ACCESS_KEY_ID=AKIASTATICEXAMPLE\n") || !strings.Contains(string(out), "export AWS_SESSION_TOKEN=static-session\n") {
		t.Errorf("AWS CLI v2: %v\n%s", err, out)
	}
	cli = exec.CommandContext(ctx, awsCLIv2, "configure", "list")
	cli.Env = env
	if out, err := cli.CombinedOutput(); err != nil || !regexp.MustCompile(`access_key\s+\*+MPLE\s+container-role`).Match(out) {
		t.Errorf("aws configure list: %v\n%s", err, out)
	}

	for name, auth := range map[string]string{"no token": "", "another token": strings.Repeat("A", len(token)), "a prefix": token[:10]} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: HTTP %d", name, resp.StatusCode)
		}
	}
	// A page that rebinds a name to 127.0.0.1 sends its own Host.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	req.Header.Set("Authorization", token)
	req.Host = "attacker.example:80"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %v %v", err, resp)
	}
}

// TestCredentialServerLoopbackOnly: it will not listen elsewhere.
func TestCredentialServerLoopbackOnly(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.loginWithAPI(t, srv)
	_, stderr, err := h.try("credential-server", "--profile", "dev", "--addr", "0.0.0.0:0")
	if err == nil || !strings.Contains(stderr, "loopback addresses only") {
		t.Errorf("%v %s", err, stderr)
	}
}
