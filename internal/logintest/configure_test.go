package logintest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConfigureGenerate: `ssooidc configure generate` writes a profile for
// every account and role alice has into ~/.aws/config, keeping every other
// byte; --dry-run shows the diff and writes nothing; a second run changes
// nothing; `aws configure list-profiles` lists the new profiles and the
// AWS CLI v2 gets credentials with one; another template replaces only
// the generated profiles.
func TestConfigureGenerate(t *testing.T) {
	t.Parallel()
	_, _, h := stsServer(t)
	cfgPath := filepath.Join(h.dir, ".aws", "config")
	h.appendConfig(t, "# my own notes\r\n[profile mine]\r\nregion = ap-south-1 # inline\r\n")
	original, _ := os.ReadFile(cfgPath)

	diff := h.run(t, "configure", "generate", "--dry-run")
	if after, _ := os.ReadFile(cfgPath); string(after) != string(original) {
		t.Fatal("--dry-run wrote the file")
	}
	for _, want := range []string{"--- " + cfgPath + "\n", "+++ " + cfgPath + " (ssooidc configure generate)\n", "+[profile Production/Admin]\n",
		"+[profile Sandbox/ReadOnly]\n", "+sso_account_id = 222222222222\n", "+ssooidc_generated = my-sso\n", " region = ap-south-1 # inline\r\n"} {
		if !strings.Contains(diff, want) {
			t.Errorf("the diff lacks %q:\n%s", want, diff)
		}
	}

	out := h.run(t, "configure", "generate")
	if !strings.Contains(out, "2 profile(s) for sso-session my-sso") || !strings.Contains(out, "2 added") {
		t.Errorf("generate: %s", out)
	}
	written, _ := os.ReadFile(cfgPath)
	if !strings.HasPrefix(string(written), string(original)) {
		t.Fatalf("the original lines changed:\n%s", written)
	}
	// Applying the dry run's diff to the original gives the file written.
	patched := filepath.Join(t.TempDir(), "config")
	write(t, patched, string(original))
	patch := exec.Command("patch", "-s", patched)
	patch.Stdin = strings.NewReader(diff)
	if out, err := patch.CombinedOutput(); err != nil {
		t.Errorf("patch: %v %s", err, out)
	} else if p, _ := os.ReadFile(patched); string(p) != string(written) {
		t.Errorf("the dry run's diff is not what was written:\n%s", p)
	}

	if out := h.run(t, "configure", "generate"); !strings.Contains(out, "0 added, 0 updated, 0 removed, 2 unchanged") {
		t.Errorf("second run: %s", out)
	}
	if again, _ := os.ReadFile(cfgPath); string(again) != string(written) {
		t.Error("the second run changed the file")
	}
	if diff := h.run(t, "configure", "generate", "--dry-run"); diff != "" {
		t.Errorf("a dry run after the run shows changes:\n%s", diff)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli := exec.CommandContext(ctx, awsCLIv2, "configure", "list-profiles")
	cli.Env = h.env
	listed, err := cli.CombinedOutput()
	if err != nil || !strings.Contains(string(listed), "Production/Admin\n") || !strings.Contains(string(listed), "Sandbox/ReadOnly\n") || !strings.Contains(string(listed), "mine\n") {
		t.Errorf("aws configure list-profiles: %v\n%s", err, listed)
	}
	cli = exec.CommandContext(ctx, awsCLIv2, "configure", "export-credentials", "--profile", "Sandbox/ReadOnly", "--format", "env")
	cli.Env = without(h.env, "AWS_ENDPOINT_URL_SSO")
	if out, err := cli.CombinedOutput(); err != nil || !strings.Contains(string(out), "export AWS_ACCESS_KEY_ID=AKIASTATICEXAMPLE\n") {
		t.Errorf("the AWS CLI with a generated profile: %v\n%s", err, out)
	}

	// Another template: the generated profiles are replaced, nothing else.
	out = h.run(t, "configure", "generate", "--template", "{{.AccountID}} {{.RoleName}}")
	if !strings.Contains(out, "2 added, 0 updated, 2 removed") {
		t.Errorf("new template: %s", out)
	}
	third, _ := os.ReadFile(cfgPath)
	if !strings.HasPrefix(string(third), string(original)) || strings.Contains(string(third), "Production/Admin") || !strings.Contains(string(third), "[profile 111111111111-Admin]") {
		t.Errorf("after a new template:\n%s", third)
	}
	if _, stderr, err := h.try("configure", "generate", "--template", "{{.RoleName}}", "--dry-run"); err != nil || stderr != "" {
		t.Errorf("distinct names by role: %v %s", err, stderr)
	}
	if _, stderr, err := h.try("configure", "generate", "--template", "x", "--dry-run"); err == nil || !strings.Contains(stderr, "add the account id") {
		t.Errorf("colliding names: %v %s", err, stderr)
	}
}

// TestConsole: `ssooidc console --print` sends the role's credentials to
// the federation endpoint (one on loopback here) and prints the login URL
// with the sign-in token; without --print the URL goes to the browser.
func TestConsole(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.loginWithAPI(t, srv)
	var mu sync.Mutex
	var sessions []map[string]string
	fed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s map[string]string
		if r.URL.Query().Get("Action") != "getSigninToken" || json.Unmarshal([]byte(r.URL.Query().Get("Session")), &s) != nil {
			http.Error(w, "bad request", 400)
			return
		}
		mu.Lock()
		sessions = append(sessions, s)
		mu.Unlock()
		fmt.Fprintf(w, `{"SigninToken":"signin-%d"}`, len(sessions))
	}))
	defer fed.Close()
	h.env = append(h.env, "SSOOIDC_FEDERATION_URL="+fed.URL+"/federation")
	out := strings.TrimSpace(h.run(t, "console", "--profile", "dev", "--print", "--destination", "s3"))
	u, err := url.Parse(out)
	if err != nil || u.Query().Get("SigninToken") != "signin-1" || u.Query().Get("Action") != "login" ||
		u.Query().Get("Destination") != "https://console.aws.amazon.com/s3/home?region=us-east-1" {
		t.Errorf("console URL %q", out)
	}
	if len(sessions) != 1 || sessions[0]["sessionId"] != "AKIASTATICEXAMPLE" || sessions[0]["sessionToken"] != "static-session" {
		t.Errorf("the federation endpoint got %v", sessions)
	}
	opened := filepath.Join(h.dir, "opened")
	script := filepath.Join(h.dir, "browser.sh")
	write(t, script, "#!/bin/sh\nprintf '%s' \"$1\" > "+opened+"\n")
	os.Chmod(script, 0o700)
	h.env = append(h.env, "BROWSER="+script)
	h.run(t, "console", "--profile", "dev")
	if b, _ := os.ReadFile(opened); !strings.Contains(string(b), "SigninToken=signin-2") {
		t.Errorf("the browser got %q", b)
	}
	if _, stderr, err := h.try("console", "--profile", "dev", "--duration", "13h"); err == nil || !strings.Contains(stderr, "outside 15m to 12h") {
		t.Errorf("--duration 13h: %v %s", err, stderr)
	}
}
