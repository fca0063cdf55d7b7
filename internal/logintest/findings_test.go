package logintest

import (
	"net"
	"strings"
	"testing"
	"time"
)

// without returns env less the variables named.
func without(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestOnlyOIDCEndpointSet: with only AWS_ENDPOINT_URL_SSO_OIDC set (what
// the README says for the login tool), export-credentials and logout call
// the portal at the same server, not AWS's.
func TestOnlyOIDCEndpointSet(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.env = without(h.env, "AWS_ENDPOINT_URL_SSO")
	h.loginWithAPI(t, srv)
	mark := len(srv.Logs())
	if out := h.run(t, "export-credentials", "--profile", "dev", "--format", "env"); !strings.Contains(out, "AKIASTATICEXAMPLE") {
		t.Errorf("export-credentials: %s", out)
	}
	h.run(t, "logout", "--profile", "dev")
	if ops(srv, mark, "GetRoleCredentials") != 1 || ops(srv, mark, "Logout") != 1 {
		t.Errorf("the portal calls did not reach the server:\n%s", srv.Logs()[mark:])
	}
}

// TestUnreachableServerMessage: with the server down the login says which
// URL it tried, where the URL came from and why it failed, without the
// SDK's error chain.
func TestUnreachableServerMessage(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	down := "http://" + closedPort(t)
	h.env = append(without(h.env, "AWS_ENDPOINT_URL_SSO_OIDC"), "AWS_ENDPOINT_URL_SSO_OIDC="+down)
	_, stderr, err := h.try("login", "--profile", "dev", "--use-device-code", "--no-browser")
	want := "cannot reach the SSO OIDC endpoint " + down + " (from AWS_ENDPOINT_URL_SSO_OIDC) for RegisterClient: dial tcp " + strings.TrimPrefix(down, "http://") + ": connect: connection refused (3 attempts)"
	if err == nil || !strings.Contains(stderr, want) || strings.Contains(stderr, "operation error") || strings.Contains(stderr, "hint:") {
		t.Errorf("login with the server down: %v\n%s\nwant %s", err, stderr, want)
	}
	// --endpoint names itself.
	_, stderr, _ = h.try("login", "--profile", "dev", "--use-device-code", "--no-browser", "--endpoint", "http://"+closedPort(t))
	if !strings.Contains(stderr, "(from --endpoint)") {
		t.Errorf("with --endpoint:\n%s", stderr)
	}
}

// TestNoEndpointHint: with no endpoint set and a start URL that is not
// AWS's, the error says how to point the tool at an ssooidc server. (The
// AWS endpoint is never reached: HTTPS_PROXY is a closed loopback port.)
func TestNoEndpointHint(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.env = append(without(h.env, "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"),
		"HTTPS_PROXY=http://"+closedPort(t))
	_, stderr, err := h.try("login", "--start-url", "https://sso.example.com/start", "--region", "eu-west-1", "--use-device-code", "--no-browser")
	if err == nil || !strings.Contains(stderr, "cannot reach the SSO OIDC endpoint https://oidc.eu-west-1.amazonaws.com (from the endpoint rules for region eu-west-1)") ||
		!strings.Contains(stderr, "hint: to sign in at an ssooidc server, give its address: export AWS_ENDPOINT_URL_SSO_OIDC=") {
		t.Errorf("%v\n%s", err, stderr)
	}
}

// TestStatusOfEndedSession: once the server refuses the refresh token (the
// session ended), `token` says to sign in again and `status` no longer
// calls the session refreshable.
func TestStatusOfEndedSession(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.loginWithAPI(t, srv)
	if out := h.run(t, "status"); !strings.Contains(out, "  yes\n") || strings.Contains(out, "until") {
		t.Errorf("status of a live session:\n%s", out)
	}
	// The server ends the session: a refresh token it does not know.
	c := h.cache()
	tok, err := c.LoadToken("my-sso")
	if err != nil {
		t.Fatal(err)
	}
	tok.RefreshToken = "aorAAAAAGhvbGRzIG5vdGhpbmc"
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	if err := c.StoreToken("my-sso", tok); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := h.try("token", "--profile", "dev")
	if err == nil || !strings.Contains(stderr, "the session has ended and cannot be refreshed") || !strings.Contains(stderr, "run: ssooidc login --profile dev") {
		t.Errorf("token: %v %s", err, stderr)
	}
	out := h.run(t, "status")
	if !strings.Contains(out, "no: sign in again") || strings.Contains(out, "yes") {
		t.Errorf("status of an ended session:\n%s", out)
	}
}
