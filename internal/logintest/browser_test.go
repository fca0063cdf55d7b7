package logintest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestPKCELoginInBrowser: `ssooidc login --profile dev --use-pkce` from the
// built binary opens the browser through BROWSER at our /authorize page
// with a redirect to its listener on 127.0.0.1; the person signs in and
// allows in Chromium; the browser lands on the binary's callback page and
// the binary caches a refreshable token that `ssooidc token` then uses.
// (--use-pkce because test machines look headless: a container, CI.)
func TestPKCELoginInBrowser(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	opened := filepath.Join(h.dir, "opened-url")
	script := filepath.Join(h.dir, "browser.sh")
	write(t, script, "#!/bin/sh\nprintf '%s' \"$1\" > "+opened+".tmp && mv "+opened+".tmp "+opened+"\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := start(t, ctx, append(h.env, "BROWSER="+script), binary, "login", "--profile", "dev", "--use-pkce")
	var authURL string
	for authURL == "" {
		b, _ := os.ReadFile(opened)
		authURL = string(b)
		select {
		case <-ctx.Done():
			t.Fatalf("no browser was opened:\n%s", cmd.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
	u, err := url.Parse(authURL)
	if err != nil || u.Scheme+"://"+u.Host != srv.URL || u.Path != "/authorize" {
		t.Fatalf("opened %q", authURL)
	}
	redirect, _ := url.Parse(u.Query().Get("redirect_uri"))
	if redirect.Hostname() != "127.0.0.1" || redirect.Port() == "" || redirect.Path != "/oauth/callback" {
		t.Errorf("redirect_uri %s", redirect)
	}
	cmd.await(t, ctx, regexpLiteral(authURL))

	b := browsertest.New(t)
	if err := b.Navigate(ctx, authURL); err != nil {
		t.Fatal(err)
	}
	if err := b.SignIn(ctx, "alice", password); err != nil {
		t.Fatal(err)
	}
	if text, _ := b.Text(ctx); !strings.Contains(text, "ssooidc-client-my-sso") {
		t.Errorf("the consent page does not name our client: %q", text)
	}
	if err := b.Click(ctx, "Allow"); err != nil {
		t.Fatal(err)
	}
	cmd.wait(t)
	if landed, _ := b.URL(ctx); !strings.HasPrefix(landed, redirect.Scheme+"://"+redirect.Host+"/oauth/callback?") {
		t.Errorf("the browser ended at %s", landed)
	}
	if text, _ := b.Text(ctx); !strings.Contains(text, "Signed in") {
		t.Errorf("callback page: %q", text)
	}
	out := cmd.output()
	if !strings.Contains(out, "A browser was opened") || !strings.Contains(out, "authorization code with PKCE") || !strings.Contains(out, "Signed in to sso-session \"my-sso\"") {
		t.Errorf("output:\n%s", out)
	}
	tok := h.readToken(t)
	if tok["refreshToken"] == nil || tok["clientId"] == nil {
		t.Errorf("token file %v", tok)
	}
	if got := strings.TrimSpace(h.run(t, "token", "--profile", "dev")); got != tok["accessToken"] {
		t.Errorf("token %q", got)
	}
}
