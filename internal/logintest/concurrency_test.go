package logintest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/login"
)

// TestTwentyTokenProcesses: 20 concurrent `ssooidc token` processes on a
// token inside botocore's refresh window (12 minutes left): exactly one
// refresh reaches the server, all 20 print the same new token, and the
// session survives (its rotated refresh token refreshes again).
func TestTwentyTokenProcesses(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	old := h.loginWithAPI(t, srv)
	h.setExpiry(t, time.Now().Add(12*time.Minute))

	mark := len(srv.Logs())
	const n = 20
	outs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stderr string
			outs[i], stderr, errs[i] = h.try("token", "--sso-session", "my-sso")
			if errs[i] != nil {
				t.Errorf("process %d: %v: %s", i, errs[i], stderr)
			}
		}()
	}
	wg.Wait()
	if got := ops(srv, mark, "CreateToken"); got != 1 {
		t.Errorf("%d refreshes reached the server, want 1", got)
	}
	first := strings.TrimSpace(outs[0])
	if first == "" || first == old.AccessToken {
		t.Fatalf("process 0 printed %q (old token %q)", first, old.AccessToken)
	}
	for i, o := range outs {
		if strings.TrimSpace(o) != first {
			t.Errorf("process %d printed %q, process 0 %q", i, o, first)
		}
	}
	file := h.readToken(t)
	if file["accessToken"] != first || file["refreshToken"] == old.RefreshToken {
		t.Errorf("cache holds %v", file)
	}

	// The session survives: the rotated refresh token renews it again.
	h.setExpiry(t, time.Now().Add(time.Minute))
	mark = len(srv.Logs())
	again := strings.TrimSpace(h.run(t, "token", "--sso-session", "my-sso"))
	if again == first || again == "" || ops(srv, mark, "CreateToken") != 1 || strings.Contains(srv.Logs()[mark:], "InvalidGrant") {
		t.Errorf("second refresh: %q\n%s", again, srv.Logs()[mark:])
	}
}

// TestLegacyProfileAndCacheDir: a legacy profile (sso_start_url in the
// profile) signs in with the device flow into sha1(start URL).json, in the
// directory SSOOIDC_CACHE_DIR names, and refreshes there.
func TestLegacyProfileAndCacheDir(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	moved := filepath.Join(h.dir, "elsewhere")
	h.env = append(h.env, "SSOOIDC_CACHE_DIR="+moved)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := start(t, ctx, h.env, binary, "login", "--profile", "legacy", "--no-browser")
	code := cmd.await(t, ctx, codeLine)
	srv.Decide(t, code, "alice", true)
	cmd.wait(t)
	if !strings.Contains(cmd.output(), "device code flow") {
		t.Errorf("output:\n%s", cmd.output())
	}
	c := &login.Cache{Dir: moved}
	tok, err := c.LoadToken(servertest.StartURL)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("legacy token in %s: %v %+v", moved, err, tok)
	}
	if _, err := os.Stat(h.cacheDir()); !os.IsNotExist(err) {
		t.Errorf("the default cache directory was used: %v", err)
	}
	tok.ExpiresAt = time.Now().Add(time.Minute)
	if err := c.StoreToken(servertest.StartURL, tok); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(h.run(t, "token", "--profile", "legacy")); got == tok.AccessToken || got == "" {
		t.Errorf("legacy token not refreshed: %q", got)
	}
}
