package logintest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	dom "github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/login"
)

// portalServer serves the portal: alice (group devs) has ReadOnly in
// account 222222222222, whose credentials are fixed.
func portalServer(t *testing.T) *servertest.Server {
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{
			"222222222222": {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret", SessionToken: "static-session"}}})
		c.Directory = server.Directory{
			Accounts:       []dom.Account{{ID: "222222222222", Name: "Sandbox", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "ReadOnly", SessionDuration: 2 * time.Hour}},
			Assignments:    []server.AssignmentDecl{{AccountID: "222222222222", PermissionSet: "ReadOnly", Group: "devs"}},
		}
	}))
	srv.AddUser(t, "alice", password, "devs")
	return srv
}

// TestExportCredentialsAsCredentialProcess: `ssooidc export-credentials`
// as the credential_process of a profile gives the AWS CLI v2 and botocore
// the role's keys through our portal; the credentials are cached where and
// as the AWS CLI caches them, so the CLI's own SSO provider uses them
// without a call; the output formats are the CLI's; logout ends it all.
func TestExportCredentialsAsCredentialProcess(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	cfgPath := filepath.Join(h.dir, ".aws", "config")
	b, _ := os.ReadFile(cfgPath)
	write(t, cfgPath, string(b)+"\n[profile viaproc]\ncredential_process = "+binary+" export-credentials --profile dev\n")
	h.loginWithAPI(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	mark := len(srv.Logs())
	cli := exec.CommandContext(ctx, awsCLIv2, "configure", "export-credentials", "--profile", "viaproc", "--format", "env")
	cli.Env = h.env
	out, err := cli.CombinedOutput()
	if err != nil {
		t.Fatalf("aws configure export-credentials: %v\n%s", err, out)
	}
	for _, want := range []string{"export AWS_ACCESS_KEY_ID=AKIASTATICEXAMPLE\n", "export AWS_SECRET_ACCESS_KEY=static-secret\n", "export AWS_SESSION_TOKEN=static-session\n", "export AWS_CREDENTIAL_EXPIRATION="} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the AWS CLI's credentials lack %q:\n%s", want, out)
		}
	}
	if n := ops(srv, mark, "GetRoleCredentials"); n != 1 {
		t.Errorf("%d GetRoleCredentials calls", n)
	}

	py := exec.CommandContext(ctx, "python3", "-c", `
import botocore.session, json
c = botocore.session.Session(profile="viaproc").get_credentials().get_frozen_credentials()
print(json.dumps([c.access_key, c.secret_key, c.token]))
`)
	py.Env = h.env
	out, err = py.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `["AKIASTATICEXAMPLE", "static-secret", "static-session"]`) {
		t.Errorf("botocore with credential_process: %v\n%s", err, out)
	}

	// The role-credential cache is the AWS CLI's: its SSO provider for
	// profile dev reads it and calls nothing.
	cachePath := filepath.Join(h.dir, ".aws", "cli", "cache", login.RoleCredentialsKey("222222222222", "ReadOnly", "my-sso", "")+".json")
	raw, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	var cached struct {
		ProviderType string
		Credentials  map[string]string
	}
	if err := json.Unmarshal(raw, &cached); err != nil || cached.ProviderType != "sso" || cached.Credentials["AccessKeyId"] != "AKIASTATICEXAMPLE" {
		t.Errorf("cache file %s", raw)
	}
	mark = len(srv.Logs())
	cli = exec.CommandContext(ctx, awsCLIv2, "configure", "export-credentials", "--profile", "dev", "--format", "process")
	cli.Env = h.env
	out, err = cli.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"AccessKeyId": "AKIASTATICEXAMPLE"`) || ops(srv, mark, "GetRoleCredentials")+ops(srv, mark, "CreateToken") != 0 {
		t.Errorf("the AWS CLI's SSO provider did not use our cache: %v\n%s", err, out)
	}

	// Our formats, line for line the CLI's.
	proc := h.run(t, "export-credentials", "--profile", "dev")
	var pj map[string]any
	if err := json.Unmarshal([]byte(proc), &pj); err != nil || pj["Version"] != float64(1) || pj["AccessKeyId"] != "AKIASTATICEXAMPLE" ||
		pj["SessionToken"] != "static-session" || !strings.HasPrefix(proc, "{\n  \"Version\": 1,\n  \"AccessKeyId\": ") {
		t.Errorf("process format:\n%s", proc)
	}
	exp, _ := time.Parse(time.RFC3339, pj["Expiration"].(string))
	if time.Until(exp) < 90*time.Minute {
		t.Errorf("expiration %v", pj["Expiration"])
	}
	for format, first := range map[string]string{
		"env-no-export": "AWS_ACCESS_KEY_ID=AKIASTATICEXAMPLE\n",
		"powershell":    "$Env:AWS_ACCESS_KEY_ID=\"AKIASTATICEXAMPLE\"\n",
		"windows-cmd":   "set AWS_ACCESS_KEY_ID=AKIASTATICEXAMPLE\n",
	} {
		if got := h.run(t, "export-credentials", "--profile", "dev", "--format", format); !strings.HasPrefix(got, first) || strings.Count(got, "\n") != 4 {
			t.Errorf("%s:\n%s", format, got)
		}
	}

	// Logout: the portal's Logout, the token and role credentials gone,
	// and the next command says how to sign in again.
	mark = len(srv.Logs())
	if out := h.run(t, "logout", "--profile", "dev"); !strings.Contains(out, `Signed out of sso-session "my-sso"`) {
		t.Errorf("logout: %s", out)
	}
	if ops(srv, mark, "Logout") != 1 {
		t.Error("no portal Logout")
	}
	for _, p := range []string{h.tokenPath(), cachePath} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s remains after logout", p)
		}
	}
	_, stderr, err := h.try("export-credentials", "--profile", "dev")
	if err == nil || !strings.Contains(stderr, "not signed in") || !strings.Contains(stderr, "run: ssooidc login --profile dev") {
		t.Errorf("after logout: %v %s", err, stderr)
	}
	if out := h.run(t, "status"); !strings.Contains(out, "No cached SSO sessions") {
		t.Errorf("status after logout: %s", out)
	}
}
